"""The knowledge base: typed model, validating loader, and where the bundled files live."""

from bot.knowledge.loader import KnowledgeError, Problem, load_knowledge
from bot.knowledge.model import Knowledge
from bot.knowledge.paths import default_knowledge_dir

__all__ = ["Knowledge", "KnowledgeError", "Problem", "default_knowledge_dir", "load_knowledge"]
