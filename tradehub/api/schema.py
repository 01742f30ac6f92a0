"""OpenAPI: every operation documents the problem+json errors and headers the API machinery adds.

The project's `DEFAULT_SCHEMA_CLASS`. Views keep documenting their own success responses and
domain errors with @extend_schema; this class adds, where missing, the responses that the shared
machinery can produce on any endpoint (authentication, throttling, body limits, idempotency,
If-Match), the `Idempotency-Key` / `If-Match` request headers and the `ETag` response header, and
makes every 4xx answer `application/problem+json` with the `Problem` schema (as the exception
handler does).
"""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    OpenApiWebhook,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers

from .etags import ETagMixin
from .exceptions import PROBLEM_CONTENT_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem: what went wrong, with one entry per invalid field.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {
                        "type": "string",
                        "description": "JSON pointer (RFC 6901) into the request body.",
                    },
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                    "candidates": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Commodity-code errors: the EAEU codes valid on the "
                        "declaration date under the code given.",
                    },
                },
                "required": ["pointer", "code", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "errors"],
    "additionalProperties": True,
}

DESCRIPTIONS = {
    "400": "Invalid input (malformed JSON, a field that fails validation): nothing was changed.",
    "401": "No or invalid credentials.",
    "403": "Authenticated but not allowed to do this.",
    "404": "No such object visible to the caller (another partner's object looks missing too).",
    "409": "Conflicts with the object's current state (or a request with the same "
    "Idempotency-Key is still running).",
    "412": "If-Match does not match the object's current ETag.",
    "428": "This write needs If-Match with the ETag of the version you read.",
    "413": "The request body is larger than the largest documented batch.",
    "415": "The request body is not application/json.",
    "422": "The Idempotency-Key was already used with a different request.",
    "406": "`Accept` does not allow application/json.",
    "429": "Too many requests; retry after `Retry-After` seconds.",
    "500": "Server error (problem+json); retry with backoff and the same Idempotency-Key.",
}
# Answers the idempotency middleware stores and replays (with `Idempotent-Replayed: true`);
# the others release the key.
NOT_REPLAYED = frozenset({"401", "403", "412", "429"})


def header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A response header object."""
    return {"schema": schema, "description": description}


REPLAYED_HEADER = header(
    "`true` when this answer is the stored answer of an earlier request with the same "
    "Idempotency-Key (the work was not done again); absent otherwise.",
    {"type": "string", "enum": ["true"]},
)
ECHOED_KEY_HEADER = header(
    "The Idempotency-Key of the request whose answer is replayed.", {"type": "string"}
)
RETRY_AFTER_HEADER = header("Seconds to wait before retrying.", {"type": "integer"})
ETAG_HEADER = header(
    "Strong validator of this object's state; send it back in If-Match.", {"type": "string"}
)
ALLOW_HEADER = header("The methods this path supports.", {"type": "string"})

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string of 1-255 printable ASCII characters (a UUID is ideal). A "
    "retry with the same key and body within 24 h replays the first response with header "
    "`Idempotent-Replayed: true`; the same key with another body answers 422.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The `ETag` from your last read; the write is refused with 412 when the object "
    "changed since.",
)

IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The `ETag` from your last read (required: 428 without it); the write is "
    "refused with 412 when the object changed since.",
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus the shared error responses and headers."""

    def _problem_ref(self) -> dict[str, str]:
        component = ResolvedComponent(
            name="Problem", type=ResolvedComponent.SCHEMA, schema=PROBLEM_SCHEMA, object="Problem"
        )
        self.registry.register_on_missing(component)
        return dict(component.ref)

    def _etag_view(self) -> bool:
        return isinstance(self.view, ETagMixin)

    def _is_detail(self) -> bool:
        return "{" in self.path

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        if self.method in UNSAFE and self._is_detail() and self._etag_view():
            parameters.append(IF_MATCH_REQUIRED if self._if_match_required() else IF_MATCH)
        return parameters

    def _if_match_required(self) -> bool:
        return getattr(self.view, "action", None) in getattr(self.view, "if_match_required", ())

    def _standard_codes(self) -> list[str]:
        authenticated = bool(self.get_auth()) and any(
            "ApiKey" in requirement for requirement in self.get_auth()
        )
        codes = ["406", "429", "500"]
        if not authenticated:
            return sorted(codes)
        codes += ["400", "401", "403", "404"]
        if self.method in UNSAFE:
            codes += ["409", "413", "415"]
        if self.method == "POST":
            codes.append("422")
        if self.method in UNSAFE and self._is_detail() and self._etag_view():
            codes.append("412")
            if self._if_match_required():
                codes.append("428")
        return sorted(codes)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None or self.path == "/":
            return operation  # `/` is the receiving end of a webhook (see `webhook_event`)
        problem_content = {PROBLEM_CONTENT_TYPE: {"schema": self._problem_ref()}}
        responses: dict[str, Any] = operation.setdefault("responses", {})
        for code in self._standard_codes():
            responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code[0] in "45":
                response["content"] = dict(problem_content)
                if not response.get("description"):
                    response["description"] = DESCRIPTIONS.get(code, "Error.")
        headers = {code: response.setdefault("headers", {}) for code, response in responses.items()}
        headers["429"]["Retry-After"] = RETRY_AFTER_HEADER
        if self.method == "POST":
            for code, response_headers in headers.items():
                if code[0] in "234" and code not in NOT_REPLAYED:
                    response_headers["Idempotent-Replayed"] = REPLAYED_HEADER
                    response_headers["Idempotency-Key"] = ECHOED_KEY_HEADER
            if "409" in headers:
                headers["409"]["Retry-After"] = header(
                    "Only when a request with the same Idempotency-Key is still running: "
                    "seconds to wait before retrying with that key.",
                    {"type": "integer"},
                )
        if self._etag_view() and getattr(self.view, "action", None) in getattr(
            self.view, "etag_actions", ()
        ):
            for code, response_headers in headers.items():
                if code.startswith("2"):
                    response_headers["ETag"] = ETAG_HEADER
        for response in responses.values():
            if not response.get("headers"):
                response.pop("headers", None)
        return operation


def const_string(value: str) -> serializers.CharField:
    """A read-only string field documented as exactly `value`."""

    @extend_schema_field({"type": "string", "enum": [value]})
    class Const(serializers.CharField):
        pass

    return Const(help_text=f"Always `{value}`.")


def webhook_event(
    event: str, data: type[serializers.Serializer[Any]], description: str
) -> OpenApiWebhook:
    """The OpenAPI 3.1 `webhooks` entry of one event type: the Standard Webhooks envelope
    `{"type", "timestamp", "data"}` POSTed to the subscriber's URL, `data` typed by `data`."""
    component = "".join(part.title() for part in event.replace(".", "_").split("_"))
    envelope = inline_serializer(
        name=f"{component}Webhook",
        fields={
            "type": const_string(event),
            "timestamp": serializers.DateTimeField(
                help_text="When the message was created (UTC, `Z`); the same on every retry."
            ),
            "data": data(),
        },
    )
    return OpenApiWebhook(
        name=event,
        decorator=extend_schema(
            summary=f"`{event}`",
            description=description
            + "\n\nHeaders: `webhook-id` (stable across retries: deduplicate on it), "
            "`webhook-timestamp` (Unix seconds of this attempt), `webhook-signature` "
            "(`v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}`).",
            request=envelope,
            responses={
                200: OpenApiResponse(description="Any 2xx acknowledges the delivery."),
                500: OpenApiResponse(
                    description="Anything else (or a timeout) is retried with backoff."
                ),
            },
        ),
    )
