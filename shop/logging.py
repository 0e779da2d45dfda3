"""JSON log lines for the log collector, and the filter that keeps health data out of them.

Log calls in this project pass identifiers (order numbers, prescription ids),
never names, addresses or what a prescription is for. Oscar's own log calls are
not so careful: a refused order is logged with the refusal's text, which names
the medicine and why it needs a prescription, and every email sent is logged
with its recipient. ``HealthDataFilter`` sits on every handler of the
production profile (``production_logging``, ``gunicorn_logging``) and rewrites
such records before anything is written:

- the arguments of the message templates listed in ``WITHHELD_ARGUMENTS`` are
  replaced, whatever their value, and those in ``PATH_ARGUMENTS`` lose their
  query string;
- an exception passed as an argument is logged by its type only;
- email addresses and prescription references are masked anywhere in a message;
- a traceback keeps its frames (file, line, code) but not the exceptions' text,
  which for the shop's exceptions is text meant for the customer, and for the
  database's can hold the values of a row; only import and configuration
  errors keep theirs.

The formatter adds nothing from the request but its method and path, and drops
query strings, where search terms could say more about a customer than they
should. Both formatters (the shop's and gunicorn's access line) mask email
addresses and prescription references in every field they write, the path
included: an odd URL (``/accounts/sana@example.com/``) can hold either.
"""

import json
import logging
import re
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime

WITHHELD = "[withheld]"

# Message template -> positions of its arguments that may carry health data or
# contact details. These are Oscar's (checkout, communication, alerts).
WITHHELD_ARGUMENTS = {
    "Order #%s: unable to place order - %s": (1,),
    "Order #%s: unable to take payment (%s) - restoring basket": (1,),
    "Order #%s: payment error (%s)": (1,),
    "Order #%s: unhandled exception while taking payment (%s)": (1,),
    "Order #%s: unhandled exception while placing order (%s)": (1,),
    "Order #%s: redirecting to %s": (1,),
    "Sending email to %s": (0,),
    "Sending alerts for '%s'": (0,),
}
# Message template -> positions of its arguments that are a URI: logged as the
# path, without the query string (gunicorn's worker).
PATH_ARGUMENTS = {
    "Error handling request %s %s": (1,),
    "Error handling request %s": (0,),
}

# Also as a URL writes them: "%40" for the at sign, "%2D" for the hyphen
# (gunicorn's request line keeps the path as the client sent it). The slash,
# rare in a real address, is left out of the local part so that in a path
# only the address is masked, not the path before it.
EMAIL = re.compile(r"[\w.!#$%&'*+=?^`{|}~-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
# prescriptions.models.new_reference: "RX-" and 8 characters of its alphabet,
# in any case, since an address typed by hand or lower-cased still names it.
PRESCRIPTION_REFERENCE = re.compile(r"\bRX(?:-|%2D)[A-Z0-9]{8}\b", re.IGNORECASE)


def scrub(text: str) -> str:
    return PRESCRIPTION_REFERENCE.sub("[prescription]", EMAIL.sub("[email]", text))


def _scrubbed(entry: dict) -> dict:
    """Every text field of a log line scrubbed, whichever field it is: message, path, exception or another."""
    return {key: scrub(value) if isinstance(value, str) else value for key, value in entry.items()}


def _safe_argument(value):
    if isinstance(value, BaseException):
        return type(value).__name__
    if isinstance(value, str):
        return scrub(value)
    return value


def _rewritten(template: str, args: tuple):
    withheld, paths = WITHHELD_ARGUMENTS.get(template, ()), PATH_ARGUMENTS.get(template, ())
    for index, value in enumerate(args):
        if index in withheld:
            yield WITHHELD
        elif index in paths:
            yield str(value).split("?", 1)[0]
        else:
            yield _safe_argument(value)


def _exception_chain(exc: BaseException) -> list[tuple[BaseException, str]]:
    """The exception and those behind it, oldest first, each with the line Python prints after it."""
    chain, seen = [], set()
    joint = ""
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append((exc, joint))
        if exc.__cause__ is not None:
            joint = "The above exception was the direct cause of the following exception:"
            exc = exc.__cause__
        elif exc.__context__ is not None and not exc.__suppress_context__:
            joint = "During handling of the above exception, another exception occurred:"
            exc = exc.__context__
        else:
            exc = None
    return list(reversed(chain))


def _speaks_of_code(exc: BaseException) -> bool:
    """Exceptions whose text is about the code or its configuration, which the logs may keep."""
    return isinstance(exc, ImportError) or type(exc).__name__ == "ImproperlyConfigured"


def redacted_traceback(exc_info) -> str:
    """Python's traceback, with each exception named by its type and its message left out."""
    _type, exc, _tb = exc_info
    if exc is None:
        return ""
    parts = []
    for each, joint in _exception_chain(exc):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(scrub(frame) for frame in traceback.format_tb(each.__traceback__))
        kind = type(each)
        text = scrub(str(each)) if _speaks_of_code(each) else WITHHELD
        parts.append(f"{kind.__module__}.{kind.__qualname__}: {text}\n")
        if joint:
            parts.append(f"\n{joint}\n\n")
    return "".join(parts).rstrip("\n")


# What an error report may keep of the request: nothing typed by the customer
# (body, query string, cookies) and only headers that say nothing about them.
SENTRY_REQUEST_HEADERS = {"host", "user-agent", "content-type", "content-length", "x-request-id"}


def _scrub_all(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {key: _scrub_all(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_all(item) for item in value]
    return value


def sentry_before_send(event: dict, hint: dict) -> dict:
    """An error report as the logs would keep it: no health data, no contact details.

    Applied by ``sentry_sdk.init(before_send=...)`` in the production profile.
    The exception keeps its type and frames; its text is withheld as in
    ``redacted_traceback``, frames lose their local variables, the request
    keeps its method, path and a few harmless headers, the user only their id;
    every string left is scrubbed of email addresses and prescription references.
    """
    exc = (hint or {}).get("exc_info", (None, None, None))[1]
    for entry in event.get("exception", {}).get("values", []):
        if not (exc is not None and _speaks_of_code(exc)):
            entry["value"] = WITHHELD
        for frame in (entry.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    if "logentry" in event:
        # The message template stays; its arguments go, as in the JSON logs.
        event["logentry"] = {"message": event["logentry"].get("message", ""), "params": []}
        event.pop("message", None)
    request = event.get("request")
    if request:
        url = request.get("url", "")
        event["request"] = {
            "method": request.get("method"),
            "url": url.split("?", 1)[0],
            "headers": {k: v for k, v in (request.get("headers") or {}).items() if k.lower() in SENTRY_REQUEST_HEADERS},
        }
    if "user" in event:
        event["user"] = {key: value for key, value in event["user"].items() if key == "id"}
    event.pop("extra", None)
    return _scrub_all(event)


def sentry_before_breadcrumb(crumb: dict, hint: dict) -> dict:
    """Breadcrumbs (log lines, SQL, HTTP calls before the error) scrubbed the same way; SQL params dropped."""
    if isinstance(crumb.get("data"), dict):
        crumb["data"].pop("params", None)
    return _scrub_all(crumb)


class HealthDataFilter(logging.Filter):
    """Rewrites a record so that nothing personal reaches a handler; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_health_data_filtered", False):
            return True
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(_rewritten(record.msg if isinstance(record.msg, str) else "", args))
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        if record.exc_info:
            record.exc_text = redacted_traceback(record.exc_info)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        # A record can reach several handlers that carry this filter.
        record._health_data_filtered = True
        return True


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = request.method
            entry["path"] = request.path
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(_scrubbed(entry), ensure_ascii=False)


class AccessLogFormatter(logging.Formatter):
    """Gunicorn's access records as JSON, with the fields its ``access_log_format`` names.

    Gunicorn logs ``access_log_format`` as the message and a mapping of its
    atoms as the arguments. This formatter writes the atoms the format names,
    each under a readable name, from that mapping rather than the formatted
    line, so a path holding quotes or backslashes still gives valid JSON.
    shop/gunicorn.conf.py names the method, path, status, size and time: no
    query string, referrer, user agent or address.
    """

    NAMES = {"m": "method", "U": "path", "s": "status", "B": "bytes", "M": "duration_ms", "D": "duration_us"}
    ATOM = re.compile(r"%\((\w+)\)s")

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, Mapping) else {}
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        for atom in self.ATOM.findall(str(record.msg)):
            value = atoms.get(atom)
            if atom == "U" and value in (None, "-"):
                value = _path_of_request_line(atoms.get("r"))
            if isinstance(value, str):
                # Gunicorn's SafeAtoms put a backslash before every double quote.
                value = value.replace('\\"', '"')
            name = self.NAMES.get(atom, atom)
            entry[name] = value if name in ("method", "path") else _as_number(value)
        return json.dumps(_scrubbed(entry), ensure_ascii=False)


def _path_of_request_line(line) -> str | None:
    """The path of "GET /path?query HTTP/1.1": gunicorn's error responses carry no PATH_INFO."""
    parts = line.split() if isinstance(line, str) else []
    return parts[1].split("?", 1)[0] if len(parts) == 3 else None


def _as_number(value):
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None if value == "-" else value


def _base(level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"no_health_data": {"()": "shop.logging.HealthDataFilter"}},
        "formatters": {"json": {"()": "shop.logging.JSONFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["no_health_data"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
    }


def production_logging(level: str = "INFO") -> dict:
    """The production profile's LOGGING: JSON lines on stdout, through HealthDataFilter."""
    config = _base(level)
    config["loggers"] = {
        "oscar.alerts": {"level": "WARNING"},
        # Django's request log line includes the query string; ours do not.
        "django.server": {"level": "WARNING"},
    }
    return config


def gunicorn_logging(level: str = "INFO") -> dict:
    """Gunicorn's logconfig_dict: its error log through the same filter, its access log by AccessLogFormatter."""
    config = _base(level)
    config["formatters"]["access"] = {"()": "shop.logging.AccessLogFormatter"}
    config["handlers"]["access"] = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
        "formatter": "access",
    }
    config["loggers"] = {
        "gunicorn.error": {"handlers": ["stdout"], "level": level, "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    }
    return config
