"""The one exception type for bad input.

Pages catch :class:`InputError` and show it to the student in their language. The
message itself is not stored here (all prose lives in ``assets/content``): an error
carries an i18n *key* such as ``"errors.text.empty"`` and the values to fill in.
"""

from __future__ import annotations


class InputError(ValueError):
    """Input a student typed or chose that the engine cannot work with.

    ``key`` names a message in ``assets/content/{en,zh}/*.toml`` (namespace = file
    stem), ``params`` fill its ``{placeholders}``. ``str(error)`` stays readable in logs
    and scripts without the UI.
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        detail = ", ".join(f"{name}={value!r}" for name, value in params.items())
        super().__init__(f"{key}({detail})" if detail else key)
