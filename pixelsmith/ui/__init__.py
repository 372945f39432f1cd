"""The Streamlit chat UI: `app.py` (the script), its renderers, sidebar and resources."""
