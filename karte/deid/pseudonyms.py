"""Surrogate values: fake names from the name lists and same-shape identifiers, all keyed by the
site secret and the patient, so a person gets the same pseudonym in every note of that patient."""

from __future__ import annotations

import unicodedata

from karte.deid.charclass import is_katakana
from karte.deid.namelists import NameEntry, NameLexicon
from karte.deid.romaji import katakana_to_romaji
from karte.deid.secret import keyed_digest, keyed_int

_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


class Pseudonymizer:
    def __init__(self, secret: bytes, patient_key: str, lexicon: NameLexicon) -> None:
        self.secret = secret
        self.patient = patient_key
        self.lex = lexicon

    def _pick(self, kind: str, key: str, entries: list[NameEntry], avoid: str) -> NameEntry:
        i = keyed_int(self.secret, kind, self.patient, key) % len(entries)
        entry = entries[i]
        if entry.reading == avoid or entry.written == avoid:
            entry = entries[(i + 1) % len(entries)]
        return entry

    def surname(self, written: str) -> NameEntry:
        key = self.lex.surnames.get(written, written)
        return self._pick("surname", key, self.lex.surname_entries, key)

    def given(self, written: str) -> NameEntry:
        key = self.lex.given_names.get(written, written)
        return self._pick("given", key, self.lex.given_entries, key)

    def name(self, text: str, surname: str | None, given: str | None) -> str:
        """A fake name in the script and layout of ``text`` (kanji, katakana or Latin; spaced or not)."""
        latin = text.isascii()
        kata = is_katakana(text[:1])
        sep = " " if " " in text else ("・" if "・" in text else "")
        if latin:
            words = text.split()
            sur = self.surname(words[-1].lower())
            out = [katakana_to_romaji(sur.reading).capitalize()]
            if len(words) > 1:
                out.insert(0, katakana_to_romaji(self.given(words[0].lower()).reading).capitalize())
            result = " ".join(out)
            return result.upper() if text.isupper() else result
        sur_src = surname or text
        parts = [self.surname(sur_src)]
        if given:
            parts.append(self.given(given))
        elif surname is None and len(text.replace(" ", "")) >= 4:
            parts.append(self.given(text))
        rendered = [p.reading if kata else p.written for p in parts]
        return sep.join(rendered)

    def same_shape(self, kind: str, text: str, *, keep_leading_zero: bool = False) -> str:
        """Digits → other digits, Latin letters → other letters, everything else kept."""
        stream = keyed_digest(self.secret, "shape", kind, self.patient, text)
        out = []
        for i, ch in enumerate(text):
            b = stream[i % len(stream)] ^ (i * 31 % 256)
            if unicodedata.category(ch) == "Nd" and ch.isascii():
                out.append(ch if (keep_leading_zero and i == 0 and ch == "0") else str(b % 10))
            elif ch.isascii() and ch.isalpha():
                letter = _LETTERS[b % len(_LETTERS)]
                out.append(letter if ch.isupper() else letter.lower())
            else:
                out.append(ch)
        result = "".join(out)
        if result == text:  # astronomically unlikely, but never hand back the original
            return "0" * len(text)
        return result

    def email(self, text: str) -> str:
        token = keyed_digest(self.secret, "email", self.patient, text.lower()).hex()[:8]
        return f"user{token}@example.jp"
