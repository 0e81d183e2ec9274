"""`{% fixed_url "app:name" %}`: `{% url %}` for routes without arguments, reversed once per process.

Every page renders about a dozen navigation and widget links; reversing them each time was ~0.7 ms of a
~5 ms home page (cProfile, bench/web_load.py set-up). Routes are fixed once the process has started.
"""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()


@lru_cache(maxsize=256)
def _reverse(name: str, prefix: str) -> str:
    return reverse(name)


@register.simple_tag
def fixed_url(name: str) -> str:
    return _reverse(name, get_script_prefix())
