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


class RepliesSerializer(serializers.Serializer):
    _not_an_id = "Must be a message id."
    after = serializers.IntegerField(min_value=0, max_value=2**63 - 1, default=0, error_messages={
        "invalid": _not_an_id, "min_value": _not_an_id, "max_value": _not_an_id, "max_string_length": _not_an_id})
    # Whole seconds since the widget asked the question whose answer it lost (see services.answer_since).
    answered_within = serializers.IntegerField(min_value=0, max_value=24 * 3600, required=False)


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
    """Agents' lines after `after`; with `answered_within` (seconds), also the bot's newest answer since then."""
    form = RepliesSerializer(data=request.query_params)
    if not form.is_valid():
        return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
    after, within = form.validated_data["after"], form.validated_data.get("answered_within")
    body = {"messages": services.messages_since(request.user, after)}
    if within is not None:
        body["answer"] = services.answer_since(request.user, after, within)
    return Response(body)
