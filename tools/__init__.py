"""Model-facing tools and their registry (see `tools.registry`)."""
from tools.registry import (
    Tool,
    ToolError,
    ToolResult,
    anthropic_tools,
    build_tool,
    call_tool,
    get_tool,
    openai_tools,
    tool,
)

__all__ = ["Tool", "ToolError", "ToolResult", "anthropic_tools", "build_tool", "call_tool",
           "get_tool", "openai_tools", "tool"]
