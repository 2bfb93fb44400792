"""Schemathesis checks of our own, loaded by scripts/contract.sh (SCHEMATHESIS_HOOKS).

Every 422 is the documented validation error and names the field it is about, and no
answer of ours (not even an error) leaks an internal cause.
"""

import schemathesis


@schemathesis.check
def invalid_input_names_its_field(ctx, response, case):
    if response.status_code != 422:
        return None
    body = response.json()
    assert body.get("error") == "invalid", f"a 422 that is not an 'invalid' error: {body}"
    assert body.get("field"), f"a 422 that names no field: {body}"
    return None


@schemathesis.check
def internal_errors_say_nothing_inside(ctx, response, case):
    if response.status_code < 500:
        return None
    body = response.json()
    message = body.get("message", "")
    assert message.startswith("something went wrong on the server"), f"a 5xx saying more: {body}"
    return None
