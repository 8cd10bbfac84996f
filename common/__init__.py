"""Code that several apps share and that holds no models: not a Django app."""
