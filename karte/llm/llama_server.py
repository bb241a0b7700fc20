"""``python -m karte.llm.llama_server --model FILE …``: llama-cpp-python's OpenAI-compatible server
(``llama_cpp.server``, same arguments) with the AMX workaround of :mod:`karte.llm.llama_compat` applied.

Use it to serve an embedded GGUF to other machines, and in tests of the ``openai`` backend.
"""

from __future__ import annotations

from karte.llm.llama_compat import patch_for_process


def main() -> None:
    patch_for_process()
    from llama_cpp.server.__main__ import main as server_main

    server_main()


if __name__ == "__main__":
    main()
