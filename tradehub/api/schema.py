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
from drf_spectacular.plumbing import ResolvedComponent, build_parameter_type
from drf_spectacular.utils import OpenApiParameter

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
    "413": "The request body is larger than the largest documented batch.",
    "415": "The request body is not application/json.",
    "422": "The Idempotency-Key was already used with a different request.",
    "429": "Too many requests; retry after `Retry-After` seconds.",
}

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
            parameters.append(IF_MATCH)
        return parameters

    def _standard_codes(self) -> list[str]:
        authenticated = bool(self.get_auth()) and any(
            "ApiKey" in requirement for requirement in self.get_auth()
        )
        codes = ["429"]
        if not authenticated:
            return codes
        codes += ["400", "401", "403", "404"]
        if self.method in UNSAFE:
            codes += ["409", "413", "415"]
        if self.method == "POST":
            codes.append("422")
        if self.method in UNSAFE and self._is_detail() and self._etag_view():
            codes.append("412")
        return sorted(codes)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        problem_content = {PROBLEM_CONTENT_TYPE: {"schema": self._problem_ref()}}
        responses: dict[str, Any] = operation.setdefault("responses", {})
        for code in self._standard_codes():
            responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code.startswith("4"):
                response["content"] = dict(problem_content)
                response.setdefault("description", DESCRIPTIONS.get(code, ""))
                if not response["description"]:
                    response["description"] = DESCRIPTIONS.get(code, "Client error.")
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before retrying.",
            }
        if (
            self._etag_view()
            and getattr(self.view, "action", None) in getattr(self.view, "etag_actions", ())
            and self.method in {"GET", "PUT", "PATCH"}
        ):
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {})["ETag"] = build_parameter_type(
                        name="ETag",
                        schema={"type": "string"},
                        location=OpenApiParameter.HEADER,
                        description="Strong validator of this object's state; send it back "
                        "in If-Match.",
                    )
                    response["headers"]["ETag"].pop("name", None)
                    response["headers"]["ETag"].pop("in", None)
        return operation
