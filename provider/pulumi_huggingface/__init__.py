"""Hugging Face Inference Endpoints as Pulumi resources."""
