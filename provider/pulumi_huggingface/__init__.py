"""Hugging Face Inference Endpoints as Pulumi resources.

Example:
    >>> from pulumi_huggingface import InferenceEndpoint  # doctest: +SKIP
"""

from pulumi_huggingface.resource import InferenceEndpoint, InferenceEndpointArgs

__all__ = ["InferenceEndpoint", "InferenceEndpointArgs"]
