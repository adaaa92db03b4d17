"""The only part of tokdash that imports streamlit: shared sidebar, cached wrappers, widgets."""
