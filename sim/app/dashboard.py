"""The live what-if app (Dash, Plotly's framework), bound to 127.0.0.1.

A presenter picks a starting scenario and changes staff, inflow, quota or horizon; the app runs a
few replications of the variant beside the starting scenario in the background (common random
numbers: same seed, same citizens), shows progress, and then the report's figures for both with
intervals and paired differences. Settings already run come from the cache. A result folder can
be opened in its own tab, and an optimise folder in the Budget tab, where a slider sets the money
and the page shows the best mix simulated for it. Bad values get a message in the page, never a
crash.
"""

from __future__ import annotations

import logging
import math
import threading
from html.parser import HTMLParser
from pathlib import Path

from dash import Dash, Input, Output, State, dcc, html, no_update

from sim import config
from sim.analysis import metrics
from sim.app import budget_tab
from sim.config import Scenario, ScenarioError
from sim.experiments.whatif import VARIANT, Background, Run, Settings, cached_run, defaults, variant
from sim.report import data as report_data
from sim.report import page as report
from sim.report import sweep_page as sweep_report
from sim.report.style import FONT, Section

CONTROLS = (  # id, label (Danish with English), unit
    ("caseworkers", "Sagsbehandlere (caseworkers)", "staff from 2024"),
    ("housing_advisors", "Boligrådgivere (housing advisors)", "staff from 2024"),
    ("support_workers", "Bostøtte-medarbejdere (support workers)", "staff from 2024"),
    ("inflow_per_month", "Nyligt hjemløse (newly homeless)", "citizens per month from 2024"),
    ("exit_dwellings", "Udslusningsboliger (subsidised exit dwellings)",
     "dwellings a year from 2024"),
    ("quota_pct", "Kvote (quota) for boligsocial anvisning", "% of each department's vacancies"),
    ("years", "Horizon", "years after the 2023 warm-up"),
    ("reps", "Replications", "runs per scenario (2 or more)"),
)
KEYS = {  # scenario key in an error → the control it comes from
    "assessment.caseworkers": "caseworkers", "move_in.housing_advisors": "housing_advisors",
    "support.support_workers": "support_workers", "population.inflow_per_month":
    "inflow_per_month", "subsidy.exit_dwelling.dwellings_per_year": "exit_dwellings",
    "allocation.quota_share": "quota_pct", "years": "years", "reps": "reps",
}
SCENARIO_CONTROLS = 6  # the first controls take their values from the chosen scenario
KEEP_VIEWS = 4
CSS = f"""
body {{ font-family: {FONT}; color: #222; margin: 0; }}
.page {{ display: grid; grid-template-columns: 22rem 1fr; gap: 1.5rem; padding: 1rem 1.5rem; }}
.controls label {{ display: block; font-weight: 600; margin-top: .8rem; }}
.controls .unit {{ font-weight: 400; color: #555; font-size: .85rem; }}
.controls input[type=number] {{ width: 8rem; font-size: 1.05rem; padding: .2rem .4rem; }}
.message {{ color: #a40000; font-weight: 600; margin-top: .8rem; min-height: 1.2rem; }}
.note, .caption {{ color: #444; font-size: .9rem; }}
progress {{ width: 100%; height: 1rem; }}
table.metrics td.num {{ text-align: right; white-space: nowrap; }}
table.metrics tr:nth-child(even) {{ background: #f4f6f8; }}
table {{ border-collapse: collapse; font-size: .9rem; }} th, td {{ padding: .25rem .6rem; }}
.ci {{ color: #666; display: block; font-size: .85em; }} .clear {{ font-weight: 600; }}
.swatch {{ display: inline-block; width: .9em; height: .9em; margin-right: .35em; }}
.budget-controls {{ margin: 1rem 0; max-width: 60rem; }}
.budget-controls label {{ display: block; font-weight: 600; margin-top: .8rem; }}
#money {{ padding-left: 1rem; }}  /* room for the first mark's label */
#budget-view table {{ max-width: 56rem; }} #budget-view th {{ text-align: left; }}
"""


class App:
    """The app's state outside the page: scenarios, the cache and the background runner."""

    def __init__(self, scenarios: Path, cache: Path, years: float, reps: int,
                 workers: int) -> None:
        self.files = {p.stem: p for p in sorted(scenarios.glob("*.toml"))}
        self.cache, self.years, self.reps = cache, years, reps
        self.background = Background(workers)
        self.requests: dict[str, list[Run]] = {}
        self.views: dict[str, list] = {}  # drawn once per request, the latest few kept
        self._drawing = threading.Lock()

    def base(self, name: str) -> Scenario:
        return config.load(self.files[name])

    def submit(self, name: str, values: list) -> str:
        """Validate the controls, queue base and variant; return the request key."""
        settings = parse(values)
        base = self.base(name)
        chosen = variant(base, settings)
        base = base.with_years(settings.years)
        runs = [cached_run(self.cache, cfg, settings.reps) for cfg in (base, chosen)]
        key = self.background.submit(runs)
        self.requests[key] = runs
        return key


    def view(self, key: str) -> list | None:
        """The drawn results of a finished request; None while another poll is drawing them
        (polls come every half second and drawing takes longer)."""
        if key in self.views:
            return self.views[key]
        if not self._drawing.acquire(blocking=False):
            return None
        try:
            if key not in self.views:
                self.views[key] = whatif_view(*self.requests[key])
                for old in list(self.views)[:-KEEP_VIEWS]:
                    del self.views[old]
            return self.views[key]
        finally:
            self._drawing.release()


def parse(values: list) -> Settings:
    """Control values → Settings; an empty or non-numeric field is a ScenarioError."""
    numbers = {}
    for (name, label, _), value in zip(CONTROLS, values, strict=True):
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ScenarioError("dashboard", name, f"{label}: enter a number")
        numbers[name] = float(value)
    if not numbers["reps"].is_integer():
        raise ScenarioError("dashboard", "reps", "Replications: enter a whole number")
    quota = numbers.pop("quota_pct") / 100.0
    return Settings(**{**numbers, "reps": int(numbers["reps"])}, quota_share=quota)


def message(exc: ScenarioError) -> str:
    """A bad value as one line naming the control, what is wrong and what is allowed."""
    key = exc.key.split("[")[0]
    name = KEYS.get(key, key)  # parse() names the control itself
    label = next((lab for n, lab, _ in CONTROLS if n == name), exc.key)
    problem = exc.problem
    if name == "quota_pct":
        problem = problem.replace("less than or equal to 1", "at most 100 %").replace(
            "greater than or equal to 0", "at least 0 %")
    return problem if problem.startswith(label) else f"{label}: {problem}"


# --- page --------------------------------------------------------------------------------------


class ToDash(HTMLParser):
    """The report's small HTML blocks (tables, spans, line breaks) as Dash components, so the
    app shows exactly what report.html shows (Dash's Markdown drops raw tables)."""

    VOID = frozenset({"br"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict, list]] = [("root", {}, [])]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        props: dict = {}
        for name, value in attrs:
            if name == "class":
                props["className"] = value
            elif name == "style" and value:
                props["style"] = dict(part.split(":", 1) for part in value.split(";") if part)
        if tag in self.VOID:
            self.stack[-1][2].append(getattr(html, tag.capitalize())(**props))
        else:
            self.stack.append((tag, props, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or len(self.stack) < 2:
            return
        name, props, children = self.stack.pop()
        if name == "table":  # React wants rows inside a tbody
            children = [html.Tbody(children)]
        self.stack[-1][2].append(getattr(html, name.capitalize())(children, **props))

    def handle_data(self, data: str) -> None:
        self.stack[-1][2].append(data)


def from_html(markup: str) -> list:
    """Dash components for a snippet of the report's HTML."""
    parser = ToDash()
    parser.feed(markup)
    parser.close()
    return parser.stack[0][2]



def section_view(section: Section, prefix: str) -> html.Section:
    """A report section as Dash components: title, table, figure, caption."""
    children = [html.H2(section.title)]
    if section.body:
        children += from_html(section.body)
    if section.figure is not None:
        children.append(dcc.Graph(id=f"{prefix}-{section.key}", figure=section.figure,
                                  config={"displaylogo": False}))
    children.append(html.P(from_html(section.caption), className="caption"))
    return html.Section(children)


def whatif_view(base: Run, chosen: Run) -> list:
    """The variant beside its starting scenario: every report section, from the cache."""
    per_rep = {run.cfg.name: run.metrics() for run in (base, chosen)}
    configs = {run.cfg.name: run.cfg.model_dump(mode="json", by_alias=True)
               for run in (base, chosen)}
    runs = {name: config["run"] for name, config in configs.items()}
    expected = {name: config["budget"].get("extra_housed_per_month")
                for name, config in configs.items()}
    folders = [base.folder, chosen.folder]
    summary = metrics.summary_table(per_rep).to_pylist()
    paired = metrics.compare_table(per_rep).to_pylist()
    tables = {name: report_data.open_table(folders, name)
              for name in ("events", "snapshots", "vacancies")}
    sections = report.view_sections(runs, summary, paired, tables, expected)
    note = html.P(f"{VARIANT} = {base.cfg.name} with the settings on the left; {chosen.reps} "
                  f"replications each, with the same seed and citizens. Cache: "
                  f"{chosen.folder.name}", id="shown-note", className="note")
    return [note, *(section_view(s, "whatif") for s in sections)]


def folder_view(folder: str | None) -> list:
    """Every report section of a result or sweep folder, or a message why it cannot be
    shown."""
    if not folder:
        return [html.P("No result folder open. Give its path above and press Open.",
                       className="note")]
    path = Path(folder).expanduser()
    if not (path / "summary.parquet").is_file() or not (path / "manifest.json").is_file():
        return [html.P(f"{folder}: not a result folder (no summary.parquet and manifest.json)",
                       className="message")]
    what = "Sweep folder" if sweep_report.is_sweep(path) else "Result folder"
    return [html.P(f"{what} {path}", id="folder-note", className="note"),
            *(section_view(s, "folder") for s in sweep_report.sections_of(path))]


def budget_view(folder: str | None, money_dkk: float | None) -> list:
    """The Budget tab below its controls for the money on the slider (the full budget at
    first), or a message why the folder cannot be shown."""
    if not folder:
        return [html.P("No optimise folder open. Give its path above and press Open.",
                       className="note")]
    try:
        shown = budget_tab.read(folder)
    except budget_tab.FolderError as exc:
        return [html.P(f"{folder}: {exc}", id="budget-message", className="message")]
    money_dkk = shown.budget_dkk_per_year if money_dkk is None else money_dkk
    note = html.P(f"Optimise folder {folder} (budget {shown.name})", id="budget-note",
                  className="note")
    return [note, *(section_view(s, "budget") for s in budget_tab.sections(shown, money_dkk))]


def budget_slider(folder: str | None) -> tuple[float, dict, float, bool]:
    """The slider's max, marks, value and disabled flag: 0 to the folder's budget, starting at
    the budget; disabled without an optimise folder."""
    try:
        budget = budget_tab.read(folder).budget_dkk_per_year
    except budget_tab.FolderError:
        return 1, {}, 0, True
    return budget, budget_tab.marks(budget), budget, False


def budget_controls(budget: str | None) -> html.Div:
    """The Budget tab's own controls: the optimise folder and the money a year."""
    return html.Div([
        html.Label("Open an optimise folder", htmlFor="budget-folder"),
        dcc.Input(id="budget-folder", type="text", value=budget or "", style={"width": "70%"}),
        html.Button("Open", id="budget-open"),
        html.Label("Money a year for the levers, DKK", htmlFor="money"),
        dcc.Slider(id="money", min=0, max=1, step=budget_tab.STEP_DKK, value=0, disabled=True),
        dcc.Store(id="budget-opened")], className="budget-controls")


def controls(app: App, base: str, folder: str | None) -> html.Div:
    """The left column: scenario, the numeric controls, messages, progress, folder."""
    rows = [html.Label("Starting scenario"),
            dcc.Dropdown(id="base", options=list(app.files), value=base, clearable=False)]
    for name, label, unit in CONTROLS:
        start = {"years": app.years, "reps": app.reps}.get(name)
        rows.append(html.Label([label, html.Br(), html.Span(unit, className="unit")],
                               htmlFor=name))
        rows.append(dcc.Input(id=name, type="number", value=start, debounce=True))
    rows += [html.Div(id="message", className="message", role="alert"),
             html.Progress(id="progress", value="0", max="1"),
             html.Div(id="progress-text", className="note"),
             html.Hr(), html.Label("Open a result folder", htmlFor="folder"),
             dcc.Input(id="folder", type="text", value=folder or "", style={"width": "100%"}),
             html.Button("Open", id="open")]
    return html.Div(rows, className="controls")


def build(app: App, base: str, folder: str | None, budget: str | None = None) -> Dash:
    """The Dash app: layout and callbacks; a folder or optimise folder given opens its tab."""
    dash = Dash(__name__, title="What if? Homeless to own home", serve_locally=True)
    dash.index_string = dash.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    start = "budget" if budget else "folder" if folder else "whatif"
    tabs = dcc.Tabs(id="tabs", value=start, children=[
        dcc.Tab(label="What if? (live)", value="whatif", children=html.Div(id="whatif-view")),
        dcc.Tab(label="Result folder", value="folder", children=html.Div(id="folder-view")),
        dcc.Tab(label="Budget", value="budget", children=html.Div(
            [budget_controls(budget), html.Div(id="budget-view")]))])
    dash.layout = html.Div([
        html.H1("What if? From homeless to own home — live simulation",
                style={"padding": "0 1.5rem"}),
        html.Div([controls(app, base, folder), tabs], className="page"),
        dcc.Store(id="request"), dcc.Store(id="shown"),
        dcc.Interval(id="tick", interval=500)])
    register(dash, app)
    return dash


def register(dash: Dash, app: App) -> None:
    """The callbacks: scenario → controls, controls → run, tick → progress and view, folder."""
    names = [name for name, _, _ in CONTROLS]

    @dash.callback([Output(n, "value") for n in names[:SCENARIO_CONTROLS]],
                   Input("base", "value"))
    def reset(base: str) -> list:
        s = defaults(app.base(base), app.years, app.reps)
        return [s.caseworkers, s.housing_advisors, s.support_workers, s.inflow_per_month,
                s.exit_dwellings, round(100 * s.quota_share, 2)]

    @dash.callback(Output("request", "data"), Output("message", "children"),
                   [Input(n, "value") for n in names], State("base", "value"))
    def submit(*values):
        if all(v is None for v in values[:SCENARIO_CONTROLS]):
            return no_update, ""  # the page is still filling in the scenario's values
        try:
            return app.submit(values[-1], list(values[:-1])), ""
        except ScenarioError as exc:
            return no_update, message(exc)

    @dash.callback(Output("progress", "value"), Output("progress", "max"),
                   Output("progress-text", "children"), Output("whatif-view", "children"),
                   Output("shown", "data"), Input("tick", "n_intervals"),
                   State("request", "data"), State("shown", "data"))
    def poll(_, key: str | None, shown: str | None):
        status = app.background.statuses.get(key) if key else None
        if status is None:
            return "0", "1", "Waiting for settings…", no_update, no_update
        text = {"waiting": "Queued…", "running": f"Running replications: {status.done} of "
                f"{status.total}", "done": "Done (cached for next time).",
                "failed": f"The run failed: {status.message}"}[status.state]
        view = no_update
        if status.state == "done" and key != shown:
            drawn = app.view(key)
            if drawn is None:
                text = "Drawing the figures…"
            else:
                view, shown = drawn, key
        return str(status.done), str(status.total), text, view, shown

    @dash.callback(Output("folder-view", "children"), Output("tabs", "value"),
                   Input("open", "n_clicks"), State("folder", "value"))
    def open_folder(clicks: int | None, folder: str | None):
        return folder_view(folder), "folder" if clicks or folder else no_update

    @dash.callback(Output("budget-opened", "data"), Output("money", "max"),
                   Output("money", "marks"), Output("money", "value"), Output("money", "disabled"),
                   Input("budget-open", "n_clicks"), State("budget-folder", "value"))
    def open_budget(_, folder: str | None):
        return folder, *budget_slider(folder)

    @dash.callback(Output("budget-view", "children"), Input("money", "value"),
                   Input("budget-opened", "data"))
    def show_budget(money_dkk: float | None, folder: str | None):
        return budget_view(folder, money_dkk)


def serve(folder: Path | None, port: int, scenarios: Path, cache: Path, years: float,
          reps: int, workers: int, base: str = "reform_2024", budget: Path | None = None) -> None:
    """Start the app on 127.0.0.1:port (blocking until Ctrl-C); a folder or an optimise folder
    (budget) given opens in its tab."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = App(scenarios, cache, years, reps, workers)
    dash = build(app, base, str(folder) if folder else None, str(budget) if budget else None)
    print(f"dashboard: http://127.0.0.1:{port}/  (Ctrl-C to stop)", flush=True)
    dash.run(host="127.0.0.1", port=port, debug=False)
