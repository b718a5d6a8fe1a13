"""File uploaders that speak the learner's language.

Streamlit (1.67) draws its uploader's own words ("Drag and drop file here", "Upload",
"200MB per file • TXT") in English only and offers no option to change them. On a page in
another language, a caption under the uploader says the same in the learner's language.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.common import current_language, t


def file_uploader(label: str, *, key: str, type: Sequence[str], max_upload_size: int | None = None,  # noqa: A002
                  help: str | None = None):  # noqa: A002, ANN201 (Streamlit's UploadedFile or None)
    """``st.file_uploader`` with, on non-English pages, its English texts said in the learner's language."""
    upload = st.file_uploader(label, type=list(type), key=key, help=help, max_upload_size=max_upload_size)
    if current_language() != "en":
        limit = max_upload_size if max_upload_size is not None else st.get_option("server.maxUploadSize")
        st.caption(t("uploads.how", limit=limit, types=" · ".join(kind.upper() for kind in type)))
    return upload
