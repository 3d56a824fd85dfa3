"""CLI: ``kvali pseudonymize`` — detect names, review them, apply replacements, manage the key."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kvali.cli.base import Ctx, emit_json, json_option, pass_ctx, show, span_options
from kvali.i18n import _

LABEL = click.Choice(["PER", "LOC", "ORG", "MISC"])
passphrase_opt = click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File whose first line is the key's passphrase (else $KVALI_PASSPHRASE).",
)
key_opt = click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Key file (default: PROJECT/keys/pseudonymization.kvkey).",
)


@click.group()
def pseudonymize() -> None:
    """Find names of people, places and organisations; review; replace; keep the key apart."""


@pseudonymize.command("detect")
@click.option("--lang", type=click.Choice(["nb", "nn", "en"]), default=None)
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help='Batch mode, no project: lines {"id", "text"} in, {"id", "entities"} out.',
)
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-", show_default=True)
@click.option("--interview", "interviews", multiple=True, help="Only these interviews.")
@passphrase_opt
@key_opt
@json_option
@pass_ctx
def detect_cmd(
    obj: Ctx,
    lang: str | None,
    jsonl: click.utils.LazyFile | None,
    out: click.utils.LazyFile,
    interviews: tuple[str, ...],
    passphrase_file: Path | None,
    key_file: Path | None,
    as_json: bool,
) -> None:
    """Detect entities: in a JSONL file (batch), or in the study's transcripts as suggestions."""
    if jsonl is not None:
        from kvali.privacy.detect import detect_jsonl

        for row in detect_jsonl(jsonl, lang=lang or "nb"):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    from kvali.privacy.apply import known_terms
    from kvali.privacy.detect import Term
    from kvali.privacy.service import detect_study
    from kvali.privacy.vault import ENV, read_passphrase

    project = obj.project
    extra: list[Term] = []
    if passphrase_file or ENV in __import__("os").environ:
        pp = read_passphrase(passphrase_file)
        extra = [
            Term(x["term"], x["label"], x["category"]) for x in known_terms(project, pp, key_file)
        ]
    with project.begin() as conn:
        rows = detect_study(
            conn, obj.study_id(conn), lang=lang, interviews=interviews or None, extra_terms=extra
        )
    show(rows, as_json, ["interview", "language", "suggestions"])


@pseudonymize.group("term")
def term() -> None:
    """The study list: names that are always masked, in any inflection."""


@term.command("add")
@click.argument("text")
@click.option("--label", type=LABEL, required=True)
@click.option("--category", default=None, help="Thesis-style label, e.g. «navn på skole».")
@pass_ctx
def term_add(obj: Ctx, text: str, label: str, category: str | None) -> None:
    from kvali.privacy.service import add_term

    with obj.project.begin() as conn:
        tid = add_term(conn, obj.study_id(conn), term=text, label=label, category=category)
    click.echo(_("term {id} added", id=tid))


@term.command("list")
@json_option
@pass_ctx
def term_list(obj: Ctx, as_json: bool) -> None:
    from kvali.privacy.service import list_terms

    with obj.project.begin() as conn:
        show(list_terms(conn, obj.study_id(conn)), as_json, ["id", "term", "label", "category"])


@term.command("remove")
@click.argument("term_id", type=int)
@pass_ctx
def term_remove(obj: Ctx, term_id: int) -> None:
    from kvali.privacy.service import remove_term

    with obj.project.begin() as conn:
        remove_term(conn, obj.study_id(conn), term_id)


@pseudonymize.command("review")
@click.option("--status", type=click.Choice(["pending", "accepted", "rejected"]), default=None)
@click.option("--interview", default=None)
@click.option("--entities", "by_entity", is_flag=True, help="One row per entity instead.")
@json_option
@pass_ctx
def review(
    obj: Ctx, status: str | None, interview: str | None, by_entity: bool, as_json: bool
) -> None:
    """List suggestions (id, entity, label, score, source, status, context) for review."""
    from kvali.privacy.service import list_entities, list_suggestions

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        if by_entity:
            rows = list_entities(conn, sid)
            cols = ["id", "label", "category", "text", "replacement", "status", "occurrences"]
        else:
            rows = list_suggestions(conn, sid, status=status, interview=interview)
            cols = ["id", "entity_id", "interview", "label", "score", "source", "status", "context"]
    show(rows, as_json, cols)


def _decide(status: str):
    @click.argument("ids", type=int, nargs=-1)
    @click.option("--entity", "entities", type=int, multiple=True, help="Everywhere in the study.")
    @click.option("--all", "all_pending", is_flag=True, help="Every pending suggestion.")
    @click.option("--min-score", type=float, default=None, help="With --all: only from this score.")
    @pass_ctx
    def command(
        obj: Ctx,
        ids: tuple[int, ...],
        entities: tuple[int, ...],
        all_pending: bool,
        min_score: float | None,
    ) -> None:
        from kvali.privacy.service import set_status

        with obj.project.begin() as conn:
            n = set_status(
                conn,
                obj.study_id(conn),
                status,
                suggestion_ids=ids,
                entity_ids=entities,
                all_pending=all_pending,
                min_score=min_score,
            )
        click.echo(
            _("{n} suggestions accepted", n=n)
            if status == "accepted"
            else _("{n} suggestions rejected", n=n)
        )

    return command


accept = pseudonymize.command("accept", help="Accept suggestions (IDS, --entity, --all).")(
    _decide("accepted")
)
reject = pseudonymize.command("reject", help="Reject suggestions (IDS, --entity, --all).")(
    _decide("rejected")
)


@pseudonymize.command("add")
@click.option("--label", type=LABEL, required=True)
@click.option("--interview", default=None, help="One interview (else the whole study).")
@span_options()
@click.option("--text", default=None, help="Every whole-word occurrence of this text.")
@click.option("--category", default=None)
@pass_ctx
def add(
    obj: Ctx,
    label: str,
    interview: str | None,
    start: int | None,
    end: int | None,
    text: str | None,
    category: str | None,
) -> None:
    """Add a span the detector missed (accepted at once)."""
    from kvali.privacy.service import add_span

    with obj.project.begin() as conn:
        n = add_span(
            conn,
            obj.study_id(conn),
            label=label,
            interview=interview,
            start=start,
            end=end,
            text=text,
            category=category,
        )
    click.echo(_("{n} spans added", n=n))


@pseudonymize.command("category")
@click.argument("category")
@click.option("--entity", "entities", type=int, multiple=True)
@click.option("--label", type=LABEL, default=None, help="Every entity with this label.")
@pass_ctx
def category(obj: Ctx, category: str, entities: tuple[int, ...], label: str | None) -> None:
    """Edit the thesis-style category («navn på ansatt») of entities."""
    from kvali.privacy.service import set_category

    with obj.project.begin() as conn:
        n = set_category(conn, obj.study_id(conn), category, entity_ids=entities, label=label)
    click.echo(_("{n} entities relabelled", n=n))


@pseudonymize.command("apply")
@click.option(
    "--style",
    type=click.Choice(["thesis", "tags", "pseudonyms"]),
    default="thesis",
    show_default=True,
)
@click.option(
    "--min-score",
    type=float,
    default=0.5,
    show_default=True,
    help="Pending (unreviewed) suggestions from this score are replaced too.",
)
@passphrase_opt
@key_opt
@json_option
@pass_ctx
def apply_cmd(
    obj: Ctx,
    style: str,
    min_score: float,
    passphrase_file: Path | None,
    key_file: Path | None,
    as_json: bool,
) -> None:
    """Replace every suggestion not rejected; originals go to the encrypted key file."""
    from kvali.privacy.apply import apply_pseudonymization
    from kvali.privacy.vault import read_passphrase

    pp = read_passphrase(passphrase_file)
    project = obj.project
    with project.begin() as conn:
        sid = obj.study_id(conn)
    result = apply_pseudonymization(
        project, sid, style=style, passphrase=pp, key_path=key_file, min_score=min_score
    )
    if as_json:
        emit_json(result)
    else:
        click.echo(
            _(
                "{n} replacements in {transcripts} transcripts; {moved} codings moved; key: {key}",
                n=result["replacements"],
                transcripts=result["transcripts"],
                moved=result["codings_moved"],
                key=result["key_file"],
            )
        )


@pseudonymize.group("key")
def key() -> None:
    """The key (original ↔ replacement), encrypted outside the database."""


@key.command("show")
@passphrase_opt
@key_opt
@json_option
@pass_ctx
def key_show(obj: Ctx, passphrase_file: Path | None, key_file: Path | None, as_json: bool) -> None:
    from kvali.privacy.apply import show_key
    from kvali.privacy.vault import read_passphrase

    pp = read_passphrase(passphrase_file)
    project = obj.project
    with project.begin() as conn:
        sid = obj.study_id(conn)
    show(
        show_key(project, sid, pp, key_file),
        as_json,
        ["id", "label", "category", "original", "replacement"],
    )


@key.command("destroy")
@key_opt
@click.option("--yes", is_flag=True, help="Do not ask.")
@pass_ctx
def key_destroy(obj: Ctx, key_file: Path | None, yes: bool) -> None:
    """Destroy the key for good: the originals can never be recovered afterwards."""
    from kvali.privacy.apply import destroy_key

    if not yes and not click.confirm(
        _("Destroy the key for good? The originals cannot be recovered")
    ):
        sys.exit(1)
    project = obj.project
    with project.begin() as conn:
        sid = obj.study_id(conn)
    found = destroy_key(project, sid, key_file)
    click.echo(_("key destroyed") if found else _("no key file found"))


COMMANDS = [pseudonymize]
