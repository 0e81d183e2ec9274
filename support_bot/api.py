"""JSON API of the chat widget: ask, thumbs up/down, and polling for agents' replies (thin: see services)."""

from django.conf import settings
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import current_profile

from . import services
from .models import Message


class AskSerializer(serializers.Serializer):
    question = serializers.CharField(
        max_length=settings.SUPPORT_BOT_MAX_QUESTION_CHARS, trim_whitespace=True,
        error_messages={"blank": "Type a question first.", "required": "Type a question first."},
    )
    choice = serializers.SlugField(required=False, allow_blank=True, max_length=80)


class FeedbackSerializer(serializers.Serializer):
    message_id = serializers.IntegerField(min_value=1)
    helpful = serializers.BooleanField()


@api_view(["POST"])
def ask(request: Request) -> Response:
    data = AskSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        services.take_rate_token(request.user)
    except services.RateLimited as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_429_TOO_MANY_REQUESTS,
                        headers={"Retry-After": str(exc.retry_after)})
    answer = services.ask(
        request.user, data.validated_data["question"], profile=current_profile(request._request),
        choice=data.validated_data.get("choice") or None,
    )
    return Response(answer.as_dict())


@api_view(["POST"])
def feedback(request: Request) -> Response:
    data = FeedbackSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        services.record_feedback(request.user, data.validated_data["message_id"], data.validated_data["helpful"])
    except Message.DoesNotExist:
        return Response({"detail": "No such message."}, status=status.HTTP_404_NOT_FOUND)
    return Response({"ok": True})


@api_view(["GET"])
def replies(request: Request) -> Response:
    try:
        after = int(request.query_params.get("after", 0))
    except ValueError:
        return Response({"after": ["Must be a message id."]}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"messages": services.messages_since(request.user, after)})
