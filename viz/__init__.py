"""Figure factories: plain data in, plotly Figure or HTML string out. No Streamlit here."""
