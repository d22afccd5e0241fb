"""The main screen: collections, live scan progress, findings with filters, detail, actions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from vecaudit.coverage import describe_gap, gap_summary
from vecaudit.models import Finding, RuleInfo, ScanReport, Severity
from vecaudit.policy.loader import PRESETS
from vecaudit.redact import mask
from vecaudit.terminal_text import printable

from ..findings_model import (
    ALL,
    SORT_KEYS,
    FindingFilter,
    Reevaluation,
    reevaluate,
    risk_score,
    select,
    summarize,
)
from ..scan_driver import (
    LiveFindings,
    Progress,
    RunOpened,
    ScanDone,
    ScanDriver,
    ScanFailed,
    ScanRequest,
    ScanStopped,
)
from ..widgets.collections import CollectionRow, CollectionsTable, sampling_text
from ..widgets.detail import DetailPane
from ..widgets.findings import FindingsTable
from ..widgets.progress import ScanProgress
from .dialogs import ConfirmReveal, ExportScreen, HelpScreen
from .policy import PolicyScreen, PolicyView
from .sampling import SamplingScreen

#: Rows the findings table draws at most; filters and sorting still cover every finding.
MAX_ROWS = 2000

#: Width under which the detail pane moves below the findings table.
NARROW = 100

_FILTERS = ("severity", "entity", "source", "collection")
_FILTER_LABEL = {"severity": "sev", "entity": "entity", "source": "src", "collection": "coll"}


class DriverUpdate(Message):
    """Something the scan driver posted from its worker thread."""

    def __init__(self, item: object) -> None:
        super().__init__()
        self.item = item


def _point_key(collection: str, point_id: object) -> tuple[str, str]:
    return (collection, json.dumps(point_id))


class MainScreen(Screen[None]):
    """Owns one scan and its findings; asks the app for anything beyond itself with messages."""

    class NewScan(Message):
        """The user asked for the connect screen (a new scan)."""

    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("p", "policy", "Policy"),
        Binding("e", "export", "Export"),
        Binding("c", "cancel_scan", "Cancel"),
        Binding("r", "resume_scan", "Resume"),
        Binding("v", "reveal", "Reveal", show=False),
        Binding("a", "sampling", "Sampling", show=False),
        Binding("s", "sort", "Sort"),
        Binding("S", "sort_reverse", "Reverse", show=False),
        Binding("1", "cycle('severity')", "Sev", show=False),
        Binding("2", "cycle('entity')", "Entity", show=False),
        Binding("3", "cycle('source')", "Source", show=False),
        Binding("4", "cycle('collection')", "Coll.", show=False),
        Binding("0", "clear_filters", "Clear filters", show=False),
        Binding("n", "new_scan", "New scan", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, request: ScanRequest, *, allow_reveal: bool = False) -> None:
        super().__init__()
        self.request = request
        self.allow_reveal = allow_reveal  # the app was started with --reveal
        self.driver: ScanDriver | None = None
        self.run_id = request.resume_run_id or ""
        self.run_reveal = False  # the run database holds raw values
        self.running = False
        self.resumable = False
        self.report: ScanReport | None = None
        self.collections: dict[str, CollectionRow] = {}
        self.scanned_findings: list[Finding] = []
        self.findings: list[Finding] = []
        self.rules: list[RuleInfo] = []
        self.scan_rules: list[RuleInfo] = []
        self.policy_name = request.policy
        self.policy_spec = request.policy
        self.scan_policy_spec = request.policy
        self.reevaluation: Reevaluation | None = None
        self.cosines: dict[tuple[str, str], float] = {}
        self.recovered: dict[tuple[str, str], str] = {}
        self.filter = FindingFilter()
        self.sort_key = "severity"
        self.sort_reverse = False
        self.shown: list[Finding] = []
        self.revealed_row: int | None = None
        self.display_target = ""
        self._policy_object: Any = None
        self._grouped: tuple[list[Finding] | None, dict[str, list[Finding]]] = (None, {})

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield CollectionsTable(id="collections")
            yield ScanProgress(id="progress")
        yield Static(id="findings-bar")
        with Horizontal(id="body"):
            yield FindingsTable(id="findings")
            yield DetailPane(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#collections", CollectionsTable).border_title = "Collections"
        self.query_one("#findings", FindingsTable).focus()
        self._update_subtitle()
        self._refresh_findings()
        if self.request.config is not None or self.request.resume_run_id:
            self.start(self.request)

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        self.set_class(narrow, "-narrow")
        self.query_one("#progress", ScanProgress).set_compact(narrow)

    def _update_subtitle(self) -> None:
        # The target as typed may hold user:password: the subtitle shows its display form.
        target = self.request.target.display if self.request.target else self.display_target
        parts = [p for p in (target, f"policy {self.policy_name}") if p]
        self.sub_title = printable(" · ".join(parts))

    # -- the scan ----------------------------------------------------------------------------------

    def start(self, request: ScanRequest) -> None:
        """Run a new scan (or resume/open a run) on a worker thread."""
        if self.running:
            self.notify("a scan is already running; cancel it first (c)", severity="warning")
            return
        self.request = request
        self.running = True
        self.resumable = False
        self.query_one("#progress", ScanProgress).started(request.resume_run_id or "")
        self.driver = ScanDriver(request, self._post_from_driver)
        self.run_worker(self.driver.run, thread=True, exclusive=True, group="scan", exit_on_error=False)

    def _post_from_driver(self, item: object) -> None:
        self.post_message(DriverUpdate(item))  # thread-safe

    def on_driver_update(self, message: DriverUpdate) -> None:
        item = message.item
        progress = self.query_one("#progress", ScanProgress)
        if isinstance(item, RunOpened):
            self._on_opened(item)
        elif isinstance(item, Progress):
            progress.handle(item.event)
            self._on_progress(item.event)
        elif isinstance(item, LiveFindings):
            for (collection, _vector, pid), cos in item.cosines.items():
                key = (collection, pid)
                self.cosines[key] = max(cos, self.cosines.get(key, -1.0))
            self._set_scanned_findings(item.findings)
        elif isinstance(item, ScanDone):
            self._on_done(item)
        elif isinstance(item, ScanStopped):
            self.running = False
            self.resumable = True
            progress.stopped()
            self.notify(f"scan stopped; progress saved as run {item.run_id}. Press r to resume.", timeout=8)
        elif isinstance(item, ScanFailed):
            self.running = False
            self.resumable = item.run_id is not None
            progress.stopped(error=item.message)
            shown = printable(item.message)
            self.notify(shown, title="scan failed", severity="error", timeout=15, markup=False)

    def _on_opened(self, item: RunOpened) -> None:
        self.run_id = item.run_id
        self.run_reveal = item.reveal
        self.display_target = item.target
        self.scan_rules = list(item.rules)
        self.rules = list(item.rules)
        self.policy_name = item.policy
        self.query_one("#progress", ScanProgress).started(item.run_id)
        for info in item.collections:
            vec = next((v for v in info.vectors if v.invertible), info.vectors[0] if info.vectors else None)
            row = self.collections.setdefault(info.name, CollectionRow(info.name))
            row.points_total = info.points_total
            row.dim = vec.dim if vec else None
            row.distance = vec.distance if vec else None
        self._update_subtitle()
        self._refresh_collections()

    def _on_progress(self, event: Any) -> None:
        kind = event.kind
        if kind == "scan_planned":
            for name, n in event.collections.items():
                self.collections.setdefault(name, CollectionRow(name)).planned = n
        elif kind == "collection_started":
            row = self.collections.setdefault(event.collection, CollectionRow(event.collection))
            row.points_total, row.planned = event.points_total, event.points_planned
        elif kind == "encoder_identified":
            row = self.collections.setdefault(event.collection, CollectionRow(event.collection))
            if not row.encoder or event.vector == "":
                row.encoder, row.confidence, row.method = event.name, event.confidence, event.method
        elif kind == "batch_scanned":
            row = self.collections.setdefault(event.collection, CollectionRow(event.collection))
            row.scanned, row.planned = event.collection_done, event.collection_planned
        elif kind == "sampling_decided":
            row = self.collections.setdefault(event.collection, CollectionRow(event.collection))
            row.sampled, row.population = event.inverted, event.population
            if event.stop is not None or row.sampling_stop is None:
                row.sampling_stop = event.stop
                row.sampling_reason = event.reason
        elif kind == "collection_finished":
            self.collections.setdefault(
                event.collection, CollectionRow(event.collection)
            ).scanned = event.points_scanned
        else:
            return
        self._refresh_collections()

    def _on_done(self, item: ScanDone) -> None:
        self.running = False
        self.resumable = False
        report = item.report
        self.report = report
        self.run_id = report.run_id
        self.run_reveal = report.revealed
        self.scan_rules = list(report.rules)
        if self.reevaluation is None:
            self.rules = list(report.rules)
            self.policy_name = report.policy
        for c in report.collections:
            row = self.collections.setdefault(c.name, CollectionRow(c.name))
            vec = next((v for v in c.vectors if v.invertible), c.vectors[0] if c.vectors else None)
            row.points_total, row.scanned, row.planned = c.points_total, c.points_scanned, c.points_scanned
            row.dim = row.dim or (vec.dim if vec else None)
            row.distance = row.distance or (vec.distance if vec else None)
            row.encoder, row.confidence, row.method = c.encoder.name, c.encoder.confidence, c.encoder.method
            if c.sampling is not None:
                row.sampling_from(c.sampling)
        for inv in item.inversions:
            key = _point_key(inv.collection, inv.point_id)
            self.cosines[key] = max(float(inv.cosine), self.cosines.get(key, -1.0))
            if inv.text is not None:
                self.recovered[key] = inv.text
        progress = self.query_one("#progress", ScanProgress)
        progress.run_id = report.run_id
        scanned = sum(c.points_scanned for c in report.collections)
        skipped = next((r for stage, r in report.stages_skipped.items() if "invert" in stage), None)
        encoders = {c.encoder.name for c in report.collections if c.encoder.name != "unknown"}
        gaps = [
            f"{c.name}: {gap_summary(c.coverage)}"
            for c in report.collections
            if c.coverage is not None and not c.coverage.complete
        ]
        progress.finished(
            scanned,
            report.summary.findings_total,
            inverted=sum(c.inverted for c in report.collections),
            invert_skipped=skipped,
            encoder=", ".join(sorted(encoders)) or None,
            not_analyzed="; ".join(gaps) or None,
            partial_accepted=report.allow_partial,
        )
        if gaps:
            # Counts, reasons and the first point ids: what an auditor needs to go and look.
            lines = [
                printable(f"{c.name}: {describe_gap(g, max_ids=5)}")  # a name's own newlines escaped too
                for c in report.collections
                if c.coverage is not None
                for g in c.coverage.not_analyzed
            ]
            accepted = report.allow_partial
            verdict = "accepted with --allow-partial" if accepted else "a partial scan does not pass"
            self.notify(
                "\n".join(lines) + f"\n({verdict}; the reports list it all)",
                title="data not analyzed",
                severity="warning" if accepted else "error",
                timeout=20,
                markup=False,  # store names may hold "[...]"
            )
        self._set_scanned_findings(report.findings)
        self._update_subtitle()

    # -- findings ----------------------------------------------------------------------------------

    def _set_scanned_findings(self, findings: list[Finding]) -> None:
        self.scanned_findings = findings
        if self.reevaluation is not None and self.policy_spec != self.scan_policy_spec:
            self._apply_policy_object(self._policy_object)
        else:
            self.findings = findings
        self._refresh_collections()
        self._refresh_findings()

    def _refresh_collections(self) -> None:
        if self._grouped[0] is not self.findings:
            # Regroup only when the findings list was replaced, not on every progress event.
            grouped: dict[str, list[Finding]] = {}
            for f in self.findings:
                grouped.setdefault(f.collection, []).append(f)
            self._grouped = (self.findings, grouped)
        by_collection = self._grouped[1]
        for row in self.collections.values():
            row.risk = risk_score(by_collection.get(row.name, []), row.scanned) if row.scanned else None
        self.query_one("#collections", CollectionsTable).show(list(self.collections.values()))

    def evidence_of(self, f: Finding) -> str:
        """What the table and detail show as evidence: masked, always."""
        return mask(f.evidence) if self.run_reveal else f.evidence  # else stored masked

    def _refresh_findings(self) -> None:
        selected = select(self.findings, self.filter, self.sort_key, self.sort_reverse)
        self.shown = selected[:MAX_ROWS]
        self.revealed_row = None
        self.query_one("#findings", FindingsTable).show(self.shown, [self.evidence_of(f) for f in self.shown])
        bar = Text()
        bar.append("Findings ", style="bold")
        bar.append(f"{len(selected):,}/{len(self.findings):,}")
        if len(selected) > MAX_ROWS:
            bar.append(f" (first {MAX_ROWS:,} shown)", style="dark_orange")
        for name in _FILTERS:
            value = getattr(self.filter, name)
            bar.append(f"  {_FILTER_LABEL[name]}=", style="dim")
            bar.append(value, style="bold yellow" if value != ALL else "")
        arrow = "↑" if self.sort_reverse else "↓"
        bar.append(f"  sort {self.sort_key}{arrow}", style="dim")
        self.query_one("#findings-bar", Static).update(bar)
        self._show_detail()

    def _current(self) -> tuple[int, Finding] | None:
        table = self.query_one("#findings", FindingsTable)
        row = table.cursor_row
        if not self.shown or row < 0 or row >= len(self.shown):
            return None
        return row, self.shown[row]

    def _show_detail(self) -> None:
        pane = self.query_one("#detail", DetailPane)
        current = self._current()
        if current is None:
            pane.show(None)
            return
        row, f = current
        key = _point_key(f.collection, f.point_id)
        revealed = self.revealed_row == row and self.can_reveal
        pane.show(
            f,
            evidence=self.evidence_of(f),
            cosine=self.cosines.get(key),
            revealed_value=f.evidence if revealed else None,
            revealed_text=self.recovered.get(key) if revealed else None,
            can_reveal=self.can_reveal,
        )

    @property
    def can_reveal(self) -> bool:
        return self.allow_reveal and self.run_reveal

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "findings":
            if self.revealed_row is not None and event.cursor_row != self.revealed_row:
                self.revealed_row = None  # a revealed value never follows the cursor
            self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "collections" and event.row_key.value is not None:
            name = str(event.row_key.value)
            self.set_filter("collection", ALL if self.filter.collection == name else name)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.data_table.id == "findings" and str(event.column_key.value) in SORT_KEYS:
            key = str(event.column_key.value)
            self.sort_reverse = not self.sort_reverse if key == self.sort_key else False
            self.sort_key = key
            self._refresh_findings()

    # -- filters and sorting -----------------------------------------------------------------------

    def filter_values(self, name: str) -> list[str]:
        src = self.scanned_findings
        if name == "severity":
            present = {f.severity for f in self.findings}
            values = [s.value for s in sorted(Severity, key=lambda s: -s.rank) if s in present]
        elif name == "entity":
            values = sorted({f.entity_type for f in src})
        elif name == "source":
            values = ["payload", "inversion"]
        else:
            values = list(self.collections) or sorted({f.collection for f in src})
        return [ALL, *values]

    def set_filter(self, name: str, value: str) -> None:
        self.filter = replace(self.filter, **{name: value})
        self._refresh_findings()

    def action_cycle(self, name: str) -> None:
        values = self.filter_values(name)
        current = getattr(self.filter, name)
        nxt = values[(values.index(current) + 1) % len(values)] if current in values else ALL
        self.set_filter(name, nxt)

    def action_clear_filters(self) -> None:
        self.filter = FindingFilter()
        self._refresh_findings()

    def action_sort(self) -> None:
        keys = list(SORT_KEYS)
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)]
        self.sort_reverse = False
        self._refresh_findings()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._refresh_findings()

    # -- actions -----------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_cancel_scan(self) -> None:
        if not self.running or self.driver is None:
            self.notify("no scan is running")
            return
        self.driver.cancel()
        self.notify("stopping after the current batch…")

    def action_resume_scan(self) -> None:
        if self.running:
            self.notify("the scan is running")
            return
        if not self.resumable or not self.run_id:
            self.notify("nothing to resume")
            return
        self.start(self.request.resume(self.run_id))

    def action_reveal(self) -> None:
        current = self._current()
        if current is None:
            return
        if not self.allow_reveal:
            self.notify("values are shown only when the TUI is started with --reveal", severity="warning")
            return
        if not self.run_reveal:
            self.notify("this run was scanned without --reveal: it holds no values", severity="warning")
            return
        row, f = current
        what = "recovered text and value" if f.source == "inversion" else "value"

        def answered(yes: bool | None) -> None:
            if yes and self._current() == (row, f):
                self.revealed_row = row
                self._show_detail()

        self.app.push_screen(ConfirmReveal(what), answered)

    def selected_collection(self) -> str | None:
        """The collection under the collections pane's cursor (None before any row)."""
        table = self.query_one("#collections", CollectionsTable)
        names = list(self.collections)
        row = table.cursor_row
        return names[row] if 0 <= row < len(names) else None

    def action_sampling(self, name: str | None = None) -> None:
        """Adaptive sampling of the selected collection: why inversion stopped, and the estimates."""
        name = name or self.selected_collection()
        row = self.collections.get(name) if name is not None else None
        if row is None or row.sampled is None:
            self.notify(
                "this collection was not sampled adaptively (scan with a precision or a budget)",
                severity="warning",
            )
            return
        self.app.push_screen(SamplingScreen(row.name, sampling_text(row), row.sampling_reason, row.sampling))

    def policy_view(self) -> PolicyView:
        """What the policy pane draws: the selected policy and the findings as it judges them."""
        return PolicyView(
            spec=self.policy_spec,
            name=self.policy_name,
            rules=list(self.rules),
            findings=self.findings,
            scanned_count=len(self.scanned_findings),
            reevaluation=self.reevaluation,
        )

    def action_policy(self) -> None:
        self.app.push_screen(PolicyScreen(self.policy_view()))

    def action_export(self, fmt: str = "json") -> None:
        if self.report is None:
            self.notify("export needs a finished scan (resume it with r)", severity="warning")
            return
        stem = f"vecaudit-{self.report.run_id}"

        def chosen(result: tuple[str, Path] | None) -> None:
            if result is not None:
                self.export(*result)

        self.app.push_screen(ExportScreen(stem, fmt), chosen)

    def current_report(self) -> ScanReport:
        """The finished report as the screen shows it: under the selected policy."""
        assert self.report is not None
        if self.reevaluation is None:
            return self.report
        return self.report.model_copy(
            update={
                "findings": self.findings,
                "rules": self.rules,
                "policy": self.policy_name,
                "summary": summarize(self.findings, self.report.fail_on),
            }
        )

    def export(self, fmt: str, path: Path) -> list[Path]:
        from vecaudit.errors import VecauditError
        from vecaudit.report import write_reports

        try:
            written = write_reports(self.current_report(), [fmt], path)
        except VecauditError as exc:
            self.notify(str(exc), title="export failed", severity="error")
            return []
        self.notify(f"wrote {', '.join(map(str, written))}", title="exported")
        return written

    def switch_policy(self, spec: str) -> bool:
        """Re-judge the stored findings under another policy (no re-scan). False if it cannot load."""
        from vecaudit.errors import VecauditError
        from vecaudit.policy.loader import load_policy

        try:
            policy = load_policy(spec)
        except VecauditError as exc:
            self.notify(str(exc), title="policy", severity="error", timeout=10)
            return False
        self.policy_spec = spec
        if spec == self.scan_policy_spec:
            self.reevaluation = None
            self.findings = self.scanned_findings
            self.rules = list(self.scan_rules)
            self.policy_name = self.report.policy if self.report else str(policy.name)
        else:
            self._policy_object = policy
            self._apply_policy_object(policy)
        self._update_subtitle()
        self._refresh_collections()
        self._refresh_findings()
        return True

    def _apply_policy_object(self, policy: Any) -> None:
        self.reevaluation = reevaluate(
            self.scanned_findings, policy, scanned_entities=[r.entity_type for r in self.scan_rules]
        )
        self.findings = self.reevaluation.findings
        self.rules = self.reevaluation.rules
        self.policy_name = str(policy.name)

    def action_new_scan(self) -> None:
        if self.running:
            self.notify("cancel the running scan first (c)", severity="warning")
            return
        self.post_message(self.NewScan())

    def stop_for_exit(self) -> str | None:
        """Cancel a running scan (it stops after the current batch) and say how to resume it."""
        if self.driver is not None and self.running:
            self.driver.cancel()
        elif not self.resumable:
            return None
        hint = f"vecaudit tui --resume {self.run_id}"
        if self.request.state_dir is not None:
            hint += f" --state-dir {self.request.state_dir}"
        return f"vecaudit: scan {self.run_id} did not finish; continue it with: {hint}"

    # -- command palette ---------------------------------------------------------------------------

    def commands(self) -> Iterator[SystemCommand]:
        for label, fmt in (("JSON", "json"), ("SARIF", "sarif"), ("HTML", "html")):
            yield SystemCommand(
                f"Export {label}", f"Write the findings as {label}", lambda f=fmt: self.action_export(f)
            )
        yield SystemCommand("Policy pane", "Rules, thresholds, what fired", self.action_policy)
        for name, row in self.collections.items():
            if row.sampled is not None:
                yield SystemCommand(
                    f"Sampling: {printable(name)}",
                    "Why inversion stopped; every rate with its interval",
                    lambda n=name: self.action_sampling(n),
                )
        for preset in PRESETS:
            yield SystemCommand(
                f"Switch policy: {preset}",
                "Re-judge the findings without re-scanning",
                lambda p=preset: self.switch_policy(p),
            )
        for name in _FILTERS:
            for value in self.filter_values(name):
                yield SystemCommand(
                    f"Filter {name}: {value}",
                    f"Show findings with {name} {value}",
                    lambda n=name, v=value: self.set_filter(n, v),
                )
        yield SystemCommand("Clear filters", "Show every finding", self.action_clear_filters)
        for key in SORT_KEYS:
            yield SystemCommand(f"Sort by {key}", "Order the findings table", lambda k=key: self._sort_by(k))
        yield SystemCommand(
            "Cancel scan", "Stop after this batch; the run stays resumable", self.action_cancel_scan
        )
        yield SystemCommand("Resume scan", "Continue a stopped run", self.action_resume_scan)
        yield SystemCommand(
            "Reveal value", "Show the selected finding's value (--reveal only)", self.action_reveal
        )
        yield SystemCommand("New scan", "Open the connect screen", self.action_new_scan)

    def _sort_by(self, key: str) -> None:
        self.sort_key, self.sort_reverse = key, False
        self._refresh_findings()
