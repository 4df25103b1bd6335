"""Plain-text templates (email subjects and bodies, letters: every `*.txt`) render without
HTML autoescaping: a subject must read `R&D-7 "O'Brien"`, not `R&amp;D-7 &quot;O&#x27;Brien&quot;`.

Settings put an engine with this loader and `autoescape: False` before the HTML engine;
it finds only `.txt` names, so every other template still comes from the HTML engine,
escaped as before. Text rendered this way must never be inserted into a page unescaped.
"""

from django.template.loaders.filesystem import Loader as FilesystemLoader


class PlainTextLoader(FilesystemLoader):
    def get_template_sources(self, template_name):
        if template_name.endswith(".txt"):
            yield from super().get_template_sources(template_name)
