"""Messages that can be shown again, later, in another language than they were made in.

An import is checked once, in the language of whoever uploaded it, but its preview, its
error workbook and its command output are read later by others, each in their own language.
So the reasons and column names of an import are kept as their English msgid and
parameters (``stored``) and translated when shown (``render``).

Code builds such messages as it builds any message: ``gettext`` from this module (imported
as ``_``) returns the text in the active language, a ``str`` that also remembers its msgid;
``%`` with a dict of named parameters keeps them too. ``gettext_lazy`` labels are kept by
their msgid. Anything else (text built by concatenation, f-strings or Django's own
``gettext``) is kept as the text it is, and shown as it was made.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as django_gettext


class Text(str):
    """Text in the active language that remembers its English msgid and parameters."""

    msgid: str
    params: dict[str, Any] | None

    def __new__(cls, text: str, msgid: str, params: dict[str, Any] | None = None) -> "Text":
        self = super().__new__(cls, text)
        self.msgid = msgid
        self.params = params
        return self

    def __mod__(self, params: Any) -> str:
        if self.params is not None or not isinstance(params, Mapping):
            return str.__mod__(self, params)
        return Text(str.__mod__(self, _shown(params)), self.msgid, dict(params))

    def __str__(self) -> str:
        # str() of the text keeps what it remembers (``str(error)`` of a RowError does).
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text, (str.__str__(self), self.msgid, self.params))


def gettext(message: str) -> Text:
    """Django's ``gettext`` whose result can be translated again later."""
    return Text(django_gettext(message), message)


def text(message: Any, **params: Any) -> Text | str:
    """``message % params`` for a ``gettext_lazy`` message (a class attribute), remembered.

    A list parameter is shown as its items joined (``"第3行、第5行"``).
    """
    msgid = _msgid(message)
    shown = str(message) % _shown(params) if params else str(message)
    return Text(shown, msgid, params or None) if msgid is not None else shown


def stored(value: Any) -> Any:
    """The JSON form of a message: its msgid and parameters where known, else its text."""
    if isinstance(value, Text):
        found: dict[str, Any] = {"msgid": value.msgid}
        if value.params is not None:
            found["params"] = {name: stored(item) for name, item in value.params.items()}
        return found
    if isinstance(value, Promise):
        msgid = _msgid(value)
        return {"msgid": msgid} if msgid is not None else str(value)
    if isinstance(value, list | tuple):
        return {"items": [stored(item) for item in value]}
    if value is None or isinstance(value, bool | int | float | str | dict):
        return str.__str__(value) if isinstance(value, str) else value
    return str(value)


def render(value: Any) -> str:
    """A stored message (or a plain text, kept from before) in the active language."""
    if isinstance(value, Mapping):
        if "items" in value:
            separator = "、" if (get_language() or "").startswith("zh") else ", "
            return separator.join(render(item) for item in value["items"])
        if "msgid" in value:
            translated = django_gettext(value["msgid"])
            if "params" not in value:
                return translated
            params = {name: _param(item) for name, item in value["params"].items()}
            try:
                return translated % params
            except (KeyError, TypeError, ValueError):
                # A translation that lost a placeholder must not hide the message.
                return value["msgid"] % params
    return "" if value is None else str(value)


def _param(value: Any) -> Any:
    # Numbers stay numbers for "%(count)d".
    return value if isinstance(value, int | float) else render(value)


def _shown(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as they are shown now: lists joined, lazy labels translated."""
    return {name: _param(stored(item)) for name, item in params.items()}


def _msgid(message: Any) -> str | None:
    """The msgid of a ``Text`` or of a ``gettext_lazy`` proxy; None for anything else."""
    if isinstance(message, Text):
        return message.msgid
    if isinstance(message, Promise):
        # A lazy proxy pickles as the function and arguments it will call.
        _unpickle, (function, args, kwargs, *_rest) = message.__reduce__()
        if function is django_gettext and len(args) == 1 and not kwargs:
            return args[0]
    return None
