"""Catalogue entries of the pseudonymization screen (docs/pseudonymization.md).

Kept in its own module so the screen can be added without touching the shared catalogue:
``install`` merges the entries into ``kvali.web.i18n.CATALOGUE`` when the router is imported,
never overriding a key another screen already defines.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "pseudonymize": "Pseudonymize",
    "pz_lead": "Find the names of people, schools, places, projects and networks, review them, "
    "and replace them consistently across the study. The key (original ↔ replacement) is kept "
    "encrypted in the project's keys folder, apart from the data, until you destroy it.",
    "pz_terms": "Study list",
    "pz_terms_hint": "Names you know must go (participants, schools, municipalities, networks): "
    "always masked, in any case and inflection.",
    "pz_term": "Name",
    "pz_no_terms": "The study list is empty.",
    "pz_detect": "Run detection",
    "pz_detect_hint": "Detection keeps your decisions: a name accepted or rejected everywhere "
    "stays so. After an earlier apply, give the passphrase to use the study list kept in the key.",
    "pz_passphrase_optional": "Key passphrase (optional)",
    "pz_suggestions": "Suggestions",
    "pz_counts": "Suggestions by status",
    "pz_min_score": "Minimum score",
    "pz_source": "Source",
    "pz_context": "Context",
    "pz_entity": "Name",
    "pz_label": "Label",
    "pz_category": "Category",
    "pz_all_labels": "all labels",
    "pz_all_sources": "all sources",
    "pz_no_suggestions": "No suggestions match. Run detection, or change the filter.",
    "pz_bulk": "Decide in bulk",
    "pz_bulk_hint": "Every pending suggestion scoring at least the minimum.",
    "pz_accept_pending": "Accept pending from this score",
    "pz_reject_pending": "Reject pending from this score",
    "pz_entities": "Names in the study",
    "pz_entities_hint": "One row per distinct name. Accept or reject everywhere decides every "
    "occurrence in every interview; the category is the thesis-style label «xxx (category)».",
    "pz_occurrences": "Occurrences",
    "pz_replacement": "Replacement",
    "pz_accept_everywhere": "Accept everywhere",
    "pz_reject_everywhere": "Reject everywhere",
    "pz_no_entities": "No names yet.",
    "pz_add_span": "Add a missed name",
    "pz_add_span_hint": "Every whole-word occurrence of the text, in one interview or the whole "
    "study; or select text in the transcript below. Added names are accepted at once.",
    "pz_view": "Transcript",
    "pz_view_hint": "Select a name in the text with the mouse, then choose its label and add it.",
    "pz_selection": "Selection",
    "pz_nothing_selected": "Select text in the transcript first",
    "pz_add_selection": "Add the selection",
    "pz_open_view": "Open the transcript",
    "pz_apply": "Apply",
    "pz_apply_hint": "Replaces every accepted name and every pending one from the minimum score "
    "(a missed name is a leak: review is mainly for rejecting). Makes a new version of each "
    "transcript; codings move with the text. The passphrase is not stored anywhere: without it "
    "the key cannot be read.",
    "pz_style": "Style",
    "pz_style_thesis": "thesis: xxx (navn på ansatt)",
    "pz_style_tags": "tags: [PERSON-3]",
    "pz_style_pseudonyms": "pseudonyms: realistic stand-ins",
    "pz_passphrase": "Key passphrase",
    "pz_passphrase_repeat": "Repeat the passphrase",
    "pz_passphrase_mismatch": "The two passphrases differ",
    "pz_passphrase_new": "No key exists yet: this passphrase creates it (at least 8 characters).",
    "pz_applied": "Applied",
    "pz_last_apply": "Last apply",
    "pz_transcripts": "Transcripts",
    "pz_replacements": "Replacements",
    "pz_codings_moved": "Codings moved",
    "pz_memos": "Memos",
    "pz_key": "The key",
    "pz_key_file": "Key file",
    "pz_no_key": "There is no key file (nothing applied yet, or the key was destroyed).",
    "pz_show_key": "Show the key",
    "pz_original": "Original",
    "pz_destroy": "Destroy the key for good",
    "pz_destroy_hint": "Overwrites the key file and deletes it: afterwards nobody can recover "
    "the originals. Type destroy to confirm.",
    "pz_confirm": "Confirmation",
    "pz_st_pending": "pending",
    "pz_st_accepted": "accepted",
    "pz_st_rejected": "rejected",
    "pz_reload": "Reload the page",
}

NB: dict[str, str] = {
    "pseudonymize": "Pseudonymisering",
    "pz_lead": "Finn navn på personer, skoler, steder, prosjekter og nettverk, gå gjennom dem "
    "og erstatt dem likt i hele studien. Nøkkelen (original ↔ erstatning) lagres kryptert i "
    "prosjektets nøkkelmappe, adskilt fra dataene, til du sletter den.",
    "pz_terms": "Navneliste for studien",
    "pz_terms_hint": "Navn du vet må bort (deltakere, skoler, kommuner, nettverk): maskeres "
    "alltid, uansett store/små bokstaver og bøying.",
    "pz_term": "Navn",
    "pz_no_terms": "Navnelisten er tom.",
    "pz_detect": "Finn navn",
    "pz_detect_hint": "Beslutningene dine beholdes: et navn som er godtatt eller avvist overalt, "
    "forblir det. Etter en tidligere erstatning: oppgi passordet for å bruke navnelisten i "
    "nøkkelen.",
    "pz_passphrase_optional": "Passord for nøkkelen (valgfritt)",
    "pz_suggestions": "Forslag",
    "pz_counts": "Forslag etter status",
    "pz_min_score": "Minste skår",
    "pz_source": "Kilde",
    "pz_context": "Sammenheng",
    "pz_entity": "Navn",
    "pz_label": "Type",
    "pz_category": "Kategori",
    "pz_all_labels": "alle typer",
    "pz_all_sources": "alle kilder",
    "pz_no_suggestions": "Ingen forslag passer. Finn navn, eller endre filteret.",
    "pz_bulk": "Bestem for mange",
    "pz_bulk_hint": "Alle ubehandlede forslag med minst denne skåren.",
    "pz_accept_pending": "Godta ubehandlede fra denne skåren",
    "pz_reject_pending": "Avvis ubehandlede fra denne skåren",
    "pz_entities": "Navn i studien",
    "pz_entities_hint": "Én rad per navn. Godta eller avvis overalt gjelder alle forekomster i "
    "alle intervjuer; kategorien er merkelappen i oppgavestil «xxx (kategori)».",
    "pz_occurrences": "Forekomster",
    "pz_replacement": "Erstatning",
    "pz_accept_everywhere": "Godta overalt",
    "pz_reject_everywhere": "Avvis overalt",
    "pz_no_entities": "Ingen navn ennå.",
    "pz_add_span": "Legg til et oversett navn",
    "pz_add_span_hint": "Alle forekomster av teksten som hele ord, i ett intervju eller hele "
    "studien; eller marker tekst i transkripsjonen nedenfor. Navn du legger til, er godtatt med "
    "en gang.",
    "pz_view": "Transkripsjon",
    "pz_view_hint": "Marker et navn i teksten med musen, velg type og legg det til.",
    "pz_selection": "Markert tekst",
    "pz_nothing_selected": "Marker tekst i transkripsjonen først",
    "pz_add_selection": "Legg til markeringen",
    "pz_open_view": "Åpne transkripsjonen",
    "pz_apply": "Erstatt",
    "pz_apply_hint": "Erstatter alle godtatte navn og alle ubehandlede fra minste skår (et "
    "oversett navn er en lekkasje: gjennomgangen er mest for å avvise). Lager en ny versjon av "
    "hver transkripsjon; kodingene flytter seg med teksten. Passordet lagres ingen steder: uten "
    "det kan nøkkelen ikke leses.",
    "pz_style": "Stil",
    "pz_style_thesis": "oppgave: xxx (navn på ansatt)",
    "pz_style_tags": "merker: [PERSON-3]",
    "pz_style_pseudonyms": "pseudonymer: realistiske navn",
    "pz_passphrase": "Passord for nøkkelen",
    "pz_passphrase_repeat": "Gjenta passordet",
    "pz_passphrase_mismatch": "De to passordene er ulike",
    "pz_passphrase_new": "Det finnes ingen nøkkel ennå: dette passordet lager den (minst 8 tegn).",
    "pz_applied": "Erstattet",
    "pz_last_apply": "Siste erstatning",
    "pz_transcripts": "Transkripsjoner",
    "pz_replacements": "Erstatninger",
    "pz_codings_moved": "Kodinger flyttet",
    "pz_memos": "Notater",
    "pz_key": "Nøkkelen",
    "pz_key_file": "Nøkkelfil",
    "pz_no_key": "Det finnes ingen nøkkelfil (ingenting er erstattet ennå, eller nøkkelen er "
    "slettet).",
    "pz_show_key": "Vis nøkkelen",
    "pz_original": "Original",
    "pz_destroy": "Slett nøkkelen for godt",
    "pz_destroy_hint": "Overskriver nøkkelfilen og sletter den: etterpå kan ingen finne "
    "originalene igjen. Skriv destroy for å bekrefte.",
    "pz_confirm": "Bekreftelse",
    "pz_st_pending": "ubehandlet",
    "pz_st_accepted": "godtatt",
    "pz_st_rejected": "avvist",
    "pz_reload": "Last inn siden på nytt",
}


def install() -> None:
    """Merge into the shared catalogue (idempotent; existing keys win)."""
    from kvali.web.i18n import CATALOGUE

    for lang, table in (("en", EN), ("nb", NB)):
        target = CATALOGUE[lang]
        for key, value in table.items():
            target.setdefault(key, value)
