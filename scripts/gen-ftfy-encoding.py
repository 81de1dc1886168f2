#!/usr/bin/python3
"""Generates src/clip/ftfy-encoding.inc: what ftfy 6.1's fix_encoding (mojibake repair) needs,
taken from the real ftfy source so that src/clip/text-fix-encoding.cpp matches it exactly:

  - the decoding tables of chardata.CHARMAP_ENCODINGS (including ftfy's sloppy codecs, where
    byte 1A stands for U+FFFD) and of strict windows-1252 (its five holes undefined);
  - its regular expressions (badness.BADNESS_RE, chardata.UTF8_DETECTOR_RE, ALTERED_UTF8_RE,
    LOSSY_UTF8_RE, fixes.A_GRAVE_WORD_RE), re-emitted from Python's own parse tree as PCRE2
    patterns without VERBOSE, every character escaped, and \\w, \\s and '.' expanded to the
    exact sets Python's re uses (so PCRE2's own Unicode tables never come into play).

The ftfy source is not part of this repository; unpack the 6.1.1 wheel or tag anywhere:
  pip download ftfy==6.1.1 --no-deps -d /tmp/w && unzip -q /tmp/w/ftfy-6.1.1-*.whl -d /tmp/ftfy
  /usr/bin/python3 scripts/gen-ftfy-encoding.py --ftfy /tmp/ftfy
"""
import argparse
import importlib.util
import sys
from pathlib import Path

try:
    import re._constants as C
    import re._parser as P
except ImportError:  # Python < 3.11
    import sre_constants as C
    import sre_parse as P

OUT = Path(__file__).resolve().parent.parent / "src" / "clip" / "ftfy-encoding.inc"
UNDEFINED = 0xFFFFFFFF


def load_ftfy(root):
    sys.path.insert(0, str(root))
    import ftfy
    import ftfy.bad_codecs  # registers the sloppy codecs

    if ftfy.__version__ != "6.1.1":
        sys.exit(f"need ftfy 6.1.1, got {ftfy.__version__} from {ftfy.__file__}")
    if Path(ftfy.__file__).resolve().parent != (root / "ftfy").resolve():
        sys.exit(f"imported the wrong ftfy: {ftfy.__file__}")
    return ftfy


def decoding_table(encoding):
    """Byte -> code point, UNDEFINED where a strict decode fails; checked to round-trip."""
    table = []
    for b in range(256):
        try:
            ch = bytes([b]).decode(encoding)
        except UnicodeDecodeError:
            table.append(UNDEFINED)
            continue
        if len(ch) != 1 or ch.encode(encoding) != bytes([b]):
            sys.exit(f"{encoding}: byte {b:#x} does not round-trip")
        table.append(ord(ch))
    return table


def char_set(pred):
    """Sorted (first, last) ranges of the code points for which pred holds (gen-html-entities.py's)."""
    spec = importlib.util.spec_from_file_location("gen_html_entities", Path(__file__).with_name("gen-html-entities.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ranges(pred)


# Python's re on str patterns: \w is str.isalnum() or '_', \s is str.isspace(), \d isdecimal().
CATEGORIES = {
    C.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    C.CATEGORY_SPACE: str.isspace,
    C.CATEGORY_DIGIT: str.isdecimal,
}
NEGATED = {
    C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
    C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE,
    C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT,
}
_category_cache = {}


def category_ranges(cat):
    if cat not in _category_cache:
        _category_cache[cat] = char_set(CATEGORIES[cat])
    return _category_cache[cat]


def esc(cp):
    return "\\x{%x}" % cp


def class_items(items, is_bytes):
    """The inside of a PCRE2 [...] for an IN node, and whether it is negated."""
    negate, out = False, []
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            out.append(esc(av))
        elif op is C.RANGE:
            out.append(esc(av[0]) + "-" + esc(av[1]))
        elif op is C.CATEGORY and not is_bytes and (av in CATEGORIES or av in NEGATED):
            if av in NEGATED:
                if len(items) != 1:
                    sys.exit(f"negated category {av} inside a larger class is not supported")
                negate, av = True, NEGATED[av]
            out += [esc(a) if a == b else esc(a) + "-" + esc(b) for a, b in category_ranges(av)]
        else:
            sys.exit(f"unsupported class item {op} {av}")
    return negate, "".join(out)


def emit(tree, is_bytes):
    return "".join(emit_node(op, av, is_bytes) for op, av in tree)


def emit_node(op, av, is_bytes):
    if op is C.LITERAL:
        return esc(av)
    if op is C.NOT_LITERAL:
        return "[^" + esc(av) + "]"
    if op is C.ANY:  # no DOTALL: anything but '\n'
        return "[^\\x{a}]"
    if op is C.IN:
        negate, inside = class_items(av, is_bytes)
        return ("[^" if negate else "[") + inside + "]"
    if op is C.BRANCH:
        return "(?:" + "|".join(emit(alt, is_bytes) for alt in av[1]) + ")"
    if op is C.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            sys.exit("inline flags are not supported")
        return "(?:" + emit(sub, is_bytes) + ")"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        lo, hi, sub = av
        bound = "{%d,}" % lo if hi == C.MAXREPEAT else "{%d,%d}" % (lo, hi)
        return "(?:" + emit(sub, is_bytes) + ")" + bound + ("?" if op is C.MIN_REPEAT else "")
    if op in (C.ASSERT, C.ASSERT_NOT):
        direction, sub = av
        kind = {(1, C.ASSERT): "?=", (1, C.ASSERT_NOT): "?!", (-1, C.ASSERT): "?<=", (-1, C.ASSERT_NOT): "?<!"}
        return "(" + kind[(direction, op)] + emit(sub, is_bytes) + ")"
    if op is C.AT:
        if av is C.AT_BEGINNING_STRING or av is C.AT_BEGINNING:  # no MULTILINE anywhere here
            return "\\A"
        if av is C.AT_END_STRING:
            return "\\z"
        if av is C.AT_END:
            return "(?=\\x{a}?\\z)"
    sys.exit(f"unsupported regex node {op} {av}")


def pcre2_pattern(compiled):
    is_bytes = isinstance(compiled.pattern, bytes)
    pattern = compiled.pattern.decode("latin-1") if is_bytes else compiled.pattern
    flags = compiled.flags & ~(C.SRE_FLAG_UNICODE)
    if flags & ~C.SRE_FLAG_VERBOSE:
        sys.exit(f"unsupported flags {flags:#x} on {compiled.pattern!r:.40}")
    tree = P.parse(pattern, flags)
    return emit(tree, is_bytes)


def c_array(name, ctype, values, per_line=8):
    lines = [f"constexpr {ctype} {name}[] = {{"]
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(f"0x{v:x}" for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def c_pattern(name, pattern):
    chunks = [pattern[i:i + 96] for i in range(0, len(pattern), 96)] or [""]
    lines = ['    "' + c.replace("\\", "\\\\") + '"' for c in chunks]
    return f"constexpr const char* {name} =\n" + "\n".join(lines) + ";"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ftfy", type=Path, required=True, help="ftfy 6.1.1 root (holds ftfy/)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    ftfy = load_ftfy(args.ftfy)
    from ftfy import badness, chardata, fixes

    encodings = list(chardata.CHARMAP_ENCODINGS)
    parts = [
        f"// Generated by scripts/gen-ftfy-encoding.py from ftfy {ftfy.__version__} with Python "
        f"{sys.version.split()[0]}; do not edit.",
        "",
        "// chardata.CHARMAP_ENCODINGS in ftfy's order; byte -> code point (0xffffffff: undefined).",
        "constexpr const char* kCharmapNames[] = {" + ", ".join(f'"{e}"' for e in encodings) + "};",
        "constexpr char32_t kCharmapTables[][256] = {",
    ]
    for e in encodings:
        table = decoding_table(e)
        # possible_encoding() takes bytes 00..7F (but 1A) as ASCII in every one of them.
        if any(table[b] != b for b in range(0x80) if b != 0x1A) or UNDEFINED in table:
            sys.exit(f"{e}: not ASCII-compatible or not fully defined, as ftfy assumes")
        parts.append("    {" + ", ".join(f"0x{v:x}" for v in decoding_table(e)) + "},")
    parts.append("};")
    parts.append("// Strict windows-1252, for fix_encoding's latin-1 -> windows-1252 step.")
    parts.append(c_array("kWindows1252", "char32_t", decoding_table("windows-1252")))
    parts.append("")
    parts.append("// PCRE2 forms of ftfy's regular expressions (32-bit code units for text, 8-bit for bytes).")
    for name, compiled in [
        ("kBadnessPattern", badness.BADNESS_RE),
        ("kUtf8DetectorPattern", chardata.UTF8_DETECTOR_RE),
        ("kAlteredUtf8Pattern", chardata.ALTERED_UTF8_RE),
        ("kLossyUtf8Pattern", chardata.LOSSY_UTF8_RE),
        ("kAGraveWordPattern", fixes.A_GRAVE_WORD_RE),
    ]:
        parts.append(c_pattern(name, pcre2_pattern(compiled)))
    args.out.write_text("\n".join(parts) + "\n", encoding="ascii")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
