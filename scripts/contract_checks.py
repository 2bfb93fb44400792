"""Schemathesis checks of our own, loaded by scripts/contract.sh (SCHEMATHESIS_HOOKS).

Every 422 is the documented validation error and names the field it is about, and no
answer of ours (not even an error) leaks an internal cause.
"""

import os
import uuid

import schemathesis

# The run's own API key and its owner (scripts/contract.sh): a generated call that revoked the
# key, or demoted or disabled its owner, turned every later call into a 401 and left most
# operations untested (schemathesis only warned). Such ids are swapped for unknown ones.
PROTECTED = {v for v in os.environ.get("CONTRACT_PROTECTED_IDS", "").split(",") if v}


@schemathesis.hook
def before_call(ctx, case, kwargs):
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if str(value) in PROTECTED:
            params[name] = str(uuid.uuid4())


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
