"""Streamlit-side helpers shared by the pages: set-up, i18n, common widgets."""
