"""The dashboard page: a handful of charts and the crisis roster, drawn from the API in the browser."""
