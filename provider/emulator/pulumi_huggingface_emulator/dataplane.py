"""What a running emulated endpoint answers to inference requests: each task's shape, fake content.

The shapes are those huggingface_hub's `InferenceClient` parses ([D] `inference/_client.py` and
the task types under `inference/_generated/types`): a smoke test in a user's CI can call
`InferenceClient(endpoint.url).text_generation(...)` and get an answer. The content is plainly
fake: generated text starts with `[emulated]`, scores and vectors are derived from a hash of the
input, so the same request always gets the same answer.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

EMBEDDING_SIZE = 8
FAKE_TEXT = "[emulated]"


def answer(model: dict[str, Any], method: str, path: str, text: str) -> tuple[int, Any] | None:
    """The status and JSON body answering one request, or None for a request of no known task.

    Args:
        model: The endpoint's stored `model` section (`task`, `repository`).
        method: The HTTP method.
        path: The path under the endpoint's URL, starting with `/`.
        text: The request body.
    """
    if method != "POST":
        return None
    try:
        body = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        return 400, {"error": f"Failed to parse the request body as JSON: {error.msg}"}
    if not isinstance(body, dict):
        return 422, {"error": "the request body must be a JSON object"}
    repository = str(model.get("repository") or "model")
    if path.rstrip("/") in ("/v1/chat/completions", "/chat/completions"):
        return 200, _chat_completion(repository, body)
    if path not in ("/", ""):
        return None
    task = model.get("task")
    inputs = body.get("inputs", "")
    if task in ("text-generation", "text2text-generation"):
        return 200, [{"generated_text": _generated(repository, inputs)}]
    if task in ("feature-extraction", "sentence-embeddings"):
        items = inputs if isinstance(inputs, list) else [inputs]
        return 200, [_vector(str(item)) for item in items]
    if task in ("text-classification", "sentiment-analysis"):
        return 200, [_labels(str(inputs))]
    if task == "sentence-similarity":
        others = inputs.get("sentences", []) if isinstance(inputs, dict) else []
        return 200, [round(_unit(str(other)), 4) for other in others]
    return None


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _unit(text: str) -> float:
    """A number in [0, 1) derived from the text."""
    return int.from_bytes(_digest(text)[:4], "big") / 2**32


def _generated(repository: str, inputs: Any) -> str:
    return f"{FAKE_TEXT} {repository} would continue {str(inputs)[:40]!r} here."


def _vector(text: str) -> list[float]:
    digest = _digest(text)
    return [round(byte / 255 * 2 - 1, 4) for byte in digest[:EMBEDDING_SIZE]]


def _labels(text: str) -> list[dict[str, Any]]:
    positive = round(_unit(text), 4)
    labels = [
        {"label": "POSITIVE", "score": positive},
        {"label": "NEGATIVE", "score": round(1 - positive, 4)},
    ]
    return sorted(labels, key=lambda item: -float(item["score"]))


def _chat_completion(repository: str, body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    last = messages[-1].get("content", "") if messages and isinstance(messages[-1], dict) else ""
    content = _generated(repository, last)
    return {
        "id": "emulated-" + _digest(content).hex()[:12],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": repository,
        "system_fingerprint": "emulated",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": len(str(last).split()),
            "completion_tokens": len(content.split()),
            "total_tokens": len(str(last).split()) + len(content.split()),
        },
    }
