"""The baseline for bench_attention_latency.py: one slider, one tiny chart.

Whatever this page takes from a key press to the redrawn chart is Streamlit's own round
trip (websocket, script run, delta, plotly redraw); chapter 5 is measured against it.
Lives in bench/, not pages/: it is not part of the app.
"""

import plotly.graph_objects as go
import streamlit as st

value = st.slider("value", 0, 10, 0, key="value")
figure = go.Figure(go.Bar(x=["value"], y=[value]))
figure.update_layout(title={"text": f"value {value}"}, height=300)
st.plotly_chart(figure, width="stretch")
