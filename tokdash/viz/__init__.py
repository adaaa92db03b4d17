"""Pure renderers: token-boundary HTML, view models, and every plotly figure."""
