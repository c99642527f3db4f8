from .res_layer import SlimResLayer

__all__ = ['SlimResLayer']
