"""An AddField that also works on a table that already has rows.

Tortoise writes ``ADD COLUMN ... NOT NULL`` without a database default when a field's default
lives in Python (``default=''``, ``default=False``, ``default=dict``); SQLite and PostgreSQL
refuse that on a table with rows, so upgrading a database in use failed. This operation adds
such a column with the Python default as its database default for the rows already there.
The migration state (the model) is exactly AddField's. Not a migration itself: the loader
skips modules whose name starts with ``_``."""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops


class AddFieldFillingRows(ops.AddField):
    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if not state_editor:
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        field = model._meta.fields_map[self.name]
        if field.null or field.has_db_default() or field.default is None:
            await state_editor.add_field(model, self.name)
            return
        unset = field.db_default
        field.db_default = field.default() if callable(field.default) else field.default
        try:
            await state_editor.add_field(model, self.name)
        finally:
            field.db_default = unset
