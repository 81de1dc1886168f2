#!/usr/bin/python3
"""Generates tests/data/tokenizer-goldens.json from the reference implementation: the real
ftfy 6.1 source and the real openai/CLIP clip/simple_tokenizer.py, run by Debian's Python
(python3-regex and python3-wcwidth installed).

Neither source is part of this repository; check them out anywhere and pass their paths:

  git -C python-ftfy archive v6.1.1 | tar -x -C /tmp/ftfy      # github.com/rspeer/python-ftfy
  git -C CLIP archive HEAD clip | tar -x -C /tmp/clip          # github.com/openai/CLIP
  /usr/bin/python3 scripts/gen-tokenizer-goldens.py --ftfy /tmp/ftfy --clip /tmp/clip/clip

Every input is kept as base64 bytes (so control characters and invalid UTF-8 survive), with
what CLIP's code makes of it: the ftfy.fix_text() output, the cleaned text that is split, the
BPE ids, and the ids as clip.tokenize() lays them out in a 77-token context. A second file holds
random mojibake (seeded) with what ftfy.fix_text() and ftfy.fix_encoding() make of it.
"""
import argparse
import base64
import importlib.util
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONTEXT = 77

def moji(text, encoding):
    """text's UTF-8 read as `encoding` (ftfy's sloppy codecs keep bytes a strict decode rejects)."""
    return text.encode("utf-8").decode(encoding, errors="replace")


# (description, input). str inputs are UTF-8 encoded; bytes are used as they are. A function, as
# some inputs need ftfy's codecs.
def cases():
    return [
        ("plain", "a photo of a cat."),
        ("curly double and single quotes", "\u201cHello,\u201d she said. \u2018It\u2019s fine\u2019 \u201fx\u201e \u201ay\u201b \u02bcz"),
        ("contractions with curly apostrophes", "don\u2019t you\u2019re we\u2019ve I\u2019m they\u2019ll she\u2019d it\u2019s"),
        ("upper-case contractions", "DON'T YOU'RE WE'VE I'M THEY'LL SHE'D IT'S"),
        ("contraction edge cases", "'''s 's 'S \u2019S rock'n'roll o'clock 'twas 'tis y'all ma'am"),
        ("long s after apostrophe", "it'\u017f the '\u017ftart"),
        ("Latin ligatures", "\ufb01sh \ufb02ower o\ufb03ce e\ufb04uent \ufb00 \ufb05 \ufb06"),
        ("digraph ligatures", "\u01c5emal \u01c8udevit \u01c4 \u01c6 \u01f1 \u01f2 \u01f3 \u01c7 \u01c9 \u01ca \u01cb \u01cc \u0132sselmeer \u0133s \u0149"),
        ("fullwidth ASCII", "\uff21\uff22\uff23\uff11\uff12\uff13 \uff48\uff45\uff4c\uff4c\uff4f\uff01\uff1f\u3000\uff57\uff4f\uff52\uff4c\uff44"),
        ("halfwidth katakana and hangul", "\uff76\uff80\uff76\uff85 \uff8a\uff9f\uff9d \uffa1\uffc2 \uffe0\uffe1\uffe2\uffe5\uffe8\uffee"),
        ("ASCII control characters", "a\x00b\x01c\x07d\x08e\x0bf\x0cg\x0eh\x1fi\x7fj"),
        ("byte order marks", "\ufeffhello\ufeff world\ufeff"),
        ("ANSI colour escapes", "\x1b[31mred\x1b[0m text \x1b[1;32;40mbold\x1b[m done"),
        ("incomplete terminal escapes", "\x1b[31 no letter \x1b]0;title\x07 \x1b[\u0663\u0664m arabic digits"),
        ("C1 controls", "c1: " + "".join(chr(c) for c in range(0x80, 0xA0)) + " end"),
        ("C1 quotes", "He said \x93quoted\x94 and \x91single\x92 \x96 dash \x85 more"),
        ("line breaks", "line1\u2028line2\u2029line3\r\nline4\rline5\n\nline6\r\r\nline7"),
        ("HTML ampersand", "fish &amp; chips"),
        ("HTML named and numeric", "caf&eacute; &#233; &#xe9; &#x1F600; &#150; &#x96; &hellip; &mdash;"),
        ("HTML escaped tag without '<'", "&lt;tag&gt; no angle bracket &quot;q&quot;"),
        ("HTML with '<' present", "<b>bold</b> &amp; &eacute; &lt;i&gt;"),
        ("double-escaped HTML", "&amp;amp;lt; &amp;eacute; &amp;#233;"),
        ("HTML without semicolons", "AT&T &copy 2020 &notit; &not &amp &ampx &lt3 &Aacute &aacutex &ampfoo;"),
        ("upper-case HTML entities", "P&EACUTE;REZ &NTILDE; &SZLIG; &nTILDE; &AMP; &LT;"),
        ("HTML numeric edge cases", "&#0; &#13; &#x110000; &#xD800; &#65534; &#1114111; &#128512 &#12abc; &#x; &#; &#X41; &#0065;"),
        ("HTML invalid code points", "a&#1;b&#11;c&#x7f;d&#x85;e&#xfdd0;f&#x10ffff;g&#x9d;h"),
        ("HTML long names", "&CounterClockwiseContourIntegral; &aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; &DoubleLongLeftRightArrow;"),
        ("HTML whitespace entities", "a&nbsp;b&NewLine;c&Tab;d&#9;e&#10;f&#x2028;g&#x3000;h"),
        ("HTML whitespace with '<'", "<x>a&#13;b&#10;c&#x2028;d&#12;e&#x1680;f&#28;g&#x85;h"),
        ("'<' only on a later line", "&amp; first\n<b> second &amp;\n third &amp;"),
        ("'<' on the first line", "<p> first &amp;\nsecond &amp;"),
        ("fullwidth ampersand entity", "\uff06amp; \uff06lt; \uff06#233;"),
        ("entity revealed by control removal", "&am\x01p; &e\x7facute;"),
        ("non-NFC combining sequences", "e\u0301 a\u0300 \u212b \u00c5 o\u0308\u0304 \u1e9b\u0323 q\u0307\u0323"),
        ("Hangul jamo", "\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af"),
        ("Kelvin, Ohm, Angstrom", "\u212a \u2126 \u212b 5\u212a"),
        ("Greek with final sigma", "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03a3 \u0391\u03a3. \u03a3\u0391 \u1f08\u03a3\u0301\u03a3"),
        ("final sigma contexts", "\u0391\u03a3 \u0391\u0301\u03a3b \u03a3\u03a3 a\u03a3b \u0391\u03a3'\u0391 \u24b6\u03a3 \u2160\u03a3 1\u03a3 \u0391\u03a3\u0345"),
        ("polytonic Greek", "\u1f48\u0394\u03a5\u03a3\u03a3\u0395\u038e\u03a3 \u1fb3 \u1fbc \u1ff3 \u1ffc"),
        ("ypogegrammeni alone", "\u1fb3 a\u0345b \u0345 x\u0345"),
        ("Cyrillic", "\u041f\u0440\u0438\u0432\u0435\u0442, \u041c\u0418\u0420! \u0401\u043b\u043a\u0430 \u0419\u043e\u0433\u0443\u0440\u0442"),
        ("CJK", "\u5317\u4eac\u6b22\u8fce\u4f60 \u65e5\u672c\u8a9e\u30c6\u30ad\u30b9\u30c8 \ud55c\uad6d\uc5b4"),
        ("Arabic with Arabic-Indic digits", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \u0661\u0662\u0663"),
        ("Hebrew with points", "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd"),
        ("Devanagari and Thai", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a"),
        ("emoji", "\U0001f600\U0001f44d\U0001f3fd \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 \U0001f1fa\U0001f1f8 \u2764\ufe0f 1\ufe0f\u20e3"),
        ("emoji tag sequence", "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f flag"),
        ("digits", "123 4567 \u0663\u0664 \u06f4\u06f5 \u0967\u0968\u0969 \u2460\u2461\u2462 \u00bd \u216b \u00b2\u00b3 \u0e53 \U0001d7d9"),
        ("numbers in words", "3.14 1,000 2nd 21st covid-19 x86_64 e-mail 10\u00d710"),
        ("dotted capital I", "\u0130stanbul \u0130 \u0130I i\u0307 \u0131 I"),
        ("sharp s", "\u00df STRASSE \u1e9e Stra\u00dfe"),
        ("title-case and other cased letters", "\u01c5 \u1f88 \u24b6\u24d1 \u2170\u2161 \u13a3\u13b3\u13a9 \u1c90\u1c91\u1c92 \U0001e900"),
        ("accented Latin", "na\u00efve caf\u00e9 r\u00e9sum\u00e9 Zo\u00eb fa\u00e7ade \u00c9COLE"),
        ("whitespace runs", "  \t hello \u00a0\u3000 world \u2003\u200b zero-width \u1680 ogham \u202f\u205f end  "),
        ("information separators", "a\x1cb\x1dc\x1ed\x1fe"),
        ("next line", "a\x85b"),
        ("deprecated format and annotation characters", "\u206a\u206f deprecated \ufff9\ufffa\ufffb\ufffc annotations \ufffd"),
        ("joiners and bidi controls", "a\u200db\u200cc\u200ed\u202ae\u202cf\u2066g"),
        ("punctuation runs", "hello!!! ... ??? --- (test) [x] {y} @user #tag $5 100% a/b c\\d ~^`|"),
        ("special tokens in text", "<|startoftext|>hello<|endoftext|> world"),
        ("special tokens in upper case", "<|STARTOFTEXT|> <|EndOfText|>"),
        ("special token with long s", "<|\u017ftartoftext|> <|endoftext|x"),
        ("empty", ""),
        ("whitespace only", "   \n\t \u3000 "),
        ("controls only", "\x01\x02\x7f\ufeff"),
        ("long text", "a photo of " * 40 + "a cat."),
        ("long word", "supercalifragilisticexpialidocious" * 5),
        ("many short tokens", " ".join(str(i) for i in range(120))),
        ("invalid UTF-8", b"abc\xffdef\xc3(\xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf \xf8\x88\x80\x80\x80 \xe0\x80\x80 z\x80"),
        ("truncated UTF-8 at the end", b"caf\xc3"),
        ("Unicode 15 letters", "\U00011f04\U00011f05 \U0001e4d0\U0001e4d1 \U0001e4f0"),
        ("unassigned and private use", "\U000e0100 \ue000\U000f0000 \u0378 \U0010fffd"),
        ("noncharacters", "\ufdd0 \ufffe \U0001ffff"),
        ("mixed scripts", "Tokyo \u6771\u4eac \u0422\u043e\u043a\u0438\u043e \u03a4\u03cc\u03ba\u03b9\u03bf \u0637\u0648\u0643\u064a\u0648"),
        ("caption with markup", "A <em>cute</em> dog &amp; a cat &#8212; 2 pets\u2026"),
        ("math symbols", "\u2200x\u2208\u211d: x\u00b2 \u2265 0 \u221e \u2211 \u222b \u2248"),
        ("currency", "$5 \u20ac10 \u00a320 \u00a5 \u20b9 \u20bf"),
        ("modifier letters and marks", "\u02b0\u02b7 \u02c8stress \u00b7middle dot a\u0308\u0301 \u0300alone"),
        ("circled and enclosed", "\u24b6\u24b7 \u24d0 \U0001f130\U0001f150"),
        ("roman numerals", "\u2160\u2161\u2162 \u2170\u2171 \u216b\u217f"),
        ("CR only", "a\rb\r"),
        ("mixed line breaks and spaces", "\r\n  one \n\n two\u2028 three \u2029four\x85"),
    # Mojibake: UTF-8 read in a single-byte encoding, which ftfy's fix_encoding repairs.
        ("mojibake: the ftfy example", "s\ufb01\u03b12\u00fc\uff11\u00ce\u201d68"),
        ("mojibake: UTF-8 as windows-1252", moji("caf\u00e9 r\u00e9sum\u00e9 na\u00efve", "cp1252")),
        ("mojibake: curly quotes as windows-1252", moji("\u201cquoted\u201d and it\u2019s fine", "sloppy-windows-1252")),
        ("mojibake: lost byte", "\u00e2\u20ac\u0153 like this \u00e2\u20ac\ufffd"),
        ("mojibake: byte A0 as a space", "voil\u00c3 le travail, \u00c3 la carte"),
        ("mojibake: mixed with correct text", "The Mona Lisa doesn" + moji("\u2019", "cp1252") + "t have eyebrows; caf\u00e9 is fine"),
        ("mojibake: Cyrillic as windows-1252", moji("\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440", "cp1252")),
        ("mojibake: UTF-8 as windows-1251", moji("\u041f\u0440\u0438\u0432\u0435\u0442 \u2014 dash", "cp1251")),
        ("mojibake: Greek as windows-1253", moji("\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1 \u03ba\u03cc\u03c3\u03bc\u03b5", "sloppy-windows-1253")),
        ("mojibake: Turkish as windows-1254", moji("\u0130stanbul \u015fehri \u011f\u00fc\u00e7l\u00fc", "sloppy-windows-1254")),
        ("mojibake: Polish as windows-1250", moji("\u0141\u00f3d\u017a \u017c\u00f3\u0142w", "sloppy-windows-1250")),
        ("mojibake: UTF-8 as MacRoman", moji("caf\u00e9 cr\u00e8me br\u00fbl\u00e9e", "mac_roman")),
        ("mojibake: UTF-8 as cp437", moji("caf\u00e9 cr\u00e8me", "cp437")),
        ("mojibake: UTF-8 as iso-8859-2", moji("\u0142\u00f3d\u017a \u00e9t\u00e9", "iso-8859-2")),
        ("mojibake: emoji as windows-1252", "smile " + moji("\U0001f600", "sloppy-windows-1252") + " and " + moji("\U0001f44d", "sloppy-windows-1252")),
        ("mojibake: twice mis-decoded", moji(moji("caf\u00e9 au lait", "cp1252"), "cp1252")),
        ("mojibake: embedded in good text", moji("\u00e9t\u00e9", "cp1252") + " \u2014 caf\u00e9 " + moji("\u2014", "cp1252") + " na\u00efve"),
        ("mojibake-like: latin-1 C1 controls as windows-1252", "He said \u0093yes\u0094 \u0096 and \u0081 hole"),
        ("mojibake: CESU-8 surrogates", b"\xed\xa0\xbd\xed\xb8\x80 smile".decode("latin-1")),
        ("mojibake: Java null", "a\u00c3\u00a9\u00c0\u0080 b"),
        ("mojibake: Java null before the final newline", "\u00c3\u00a9\u00c0\nx \u00c3\u00a9\u00c0\n"),
        ("mojibake: CESU-8 ending in a newline", moji("\U0001f60a", "cp437")[:-1] + "\u2555\nok\n"
         + "\u00ed\u00a0\u0080\u00ed\u00b0\n"),
        ("mojibake: hole bytes in windows-1252", moji("\u00c1ngel \u00cdndice \u00d0", "sloppy-windows-1252")),
        ("mojibake: lone \u00c3 before a space", "\u00c3 bient\u00f4t, \u00c3\u00a0 la \u00a3 \u00b1 \u00ac\u00a6"),
        ("mojibake with HTML entities", "caf&Atilde;&copy; &lt;&Atilde;&copy;&gt;"),
        ("mojibake on one line, '<' on the next", moji("r\u00e9sum\u00e9", "cp1252") + "\n<b>" + moji("r\u00e9sum\u00e9", "cp1252") + "</b>"),
    ]


WORDS = [
    "a", "photo", "of", "the", "cat", "don\u2019t", "caf\u00e9", "na\u00efve", "\u00e0", "voil\u00e0", "\u00c1ngel",
    "\u0141\u00f3d\u017a", "\u0130stanbul", "\u015fehri", "stra\u00dfe", "\u00c5", "\u00e9t\u00e9", "se\u00f1or",
    "\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1", "\u041f\u0440\u0438\u0432\u0435\u0442",
    "\u0645\u0631\u062d\u0628\u0627", "\u5317\u4eac", "\u65e5\u672c\u8a9e", "\ud55c\uad6d\uc5b4",
    "\U0001f600", "\U0001f44d", "\u2014", "\u201cquoted\u201d", "\u2026", "\u20ac5", "\u00a3", "\u00a0",
    "\u2122", "1\u00bd", "\u00b0C", "x\u00b2", "\u00bfqu\u00e9?", "\u2022", "\u00ab\u00bb", "\ufffd",
]
ENCODINGS = ["cp1252", "sloppy-windows-1252", "latin-1", "sloppy-windows-1251", "sloppy-windows-1250",
             "sloppy-windows-1253", "sloppy-windows-1254", "iso-8859-2", "mac_roman", "cp437", "cp1251"]


def mojibake_cases(ftfy, count, seed):
    """Random sentences, some of them (or some of their words) mis-decoded, once or twice, with
    the odd A0-as-space, lost character, stray mojibake character or second line: fix_text and
    fix_encoding of each."""
    from ftfy import badness

    rng = random.Random(seed)
    stray = "".join(sorted(set("".join(badness.MOJIBAKE_CATEGORIES.values()).replace("-", ""))))
    out = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 8))]
        mode = rng.random()
        if mode < 0.5:
            text = moji(" ".join(words), rng.choice(ENCODINGS))
        elif mode < 0.8:
            text = " ".join(moji(w, rng.choice(ENCODINGS[:3])) if rng.random() < 0.5 else w for w in words)
        elif mode < 0.9:
            text = moji(moji(" ".join(words), rng.choice(ENCODINGS[:3])), rng.choice(ENCODINGS[:3]))
        else:
            text = " ".join(words)
        if rng.random() < 0.2:
            text = text.replace("\u00a0", " ")
        if text and rng.random() < 0.15:
            i = rng.randrange(len(text))
            text = text[:i] + text[i + 1:]
        if rng.random() < 0.2:
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(stray) + text[i:]
        if rng.random() < 0.15:  # fix_text works line by line, and a line keeps its '\n'
            text += "\n" + moji(rng.choice(WORDS), rng.choice(ENCODINGS)) + rng.choice(["", "\n"])
        out.append({"input": text, "fix_text": ftfy.fix_text(text), "fix_encoding": ftfy.fix_encoding(text)})
    return out


def load_modules(ftfy_root, clip_dir):
    sys.path.insert(0, str(ftfy_root))
    import ftfy
    import ftfy.bad_codecs  # noqa: F401  (the sloppy codecs that moji() uses)

    if not ftfy.__version__.startswith("6.1"):
        sys.exit(f"need ftfy 6.1.x, got {ftfy.__version__} from {ftfy.__file__}")
    spec = importlib.util.spec_from_file_location("simple_tokenizer", clip_dir / "simple_tokenizer.py")
    st = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(st)
    if Path(ftfy.__file__).resolve().parent != (ftfy_root / "ftfy").resolve():
        sys.exit(f"imported the wrong ftfy: {ftfy.__file__}")
    return ftfy, st


def golden(ftfy, st, tok, desc, raw):
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    text = data.decode("utf-8", errors="replace")
    fixed = ftfy.fix_text(text)
    if desc.startswith("mojibake:") and ftfy.fix_text(text, fix_encoding=False) == fixed:
        sys.exit(f"{desc!r}: ftfy's mojibake repair does not change this input")
    ids = tok.encode(text)
    sot, eot = tok.encoder["<|startoftext|>"], tok.encoder["<|endoftext|>"]
    in_context = [sot] + ids + [eot]  # clip.tokenize(truncate=True)
    if len(in_context) > CONTEXT:
        in_context = in_context[:CONTEXT]
        in_context[-1] = eot
    return {
        "description": desc,
        "input_base64": base64.b64encode(data).decode("ascii"),
        "ftfy": fixed,
        "cleaned": st.whitespace_clean(st.basic_clean(text)).lower(),
        "ids": ids,
        "ids_in_context": in_context,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ftfy", type=Path, required=True, help="ftfy 6.1 source root (holds ftfy/)")
    ap.add_argument("--clip", type=Path, required=True, help="openai/CLIP's clip/ directory")
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "tokenizer-goldens.json")
    ap.add_argument("--mojibake-out", type=Path, default=ROOT / "tests" / "data" / "ftfy-mojibake-goldens.json")
    args = ap.parse_args()
    ftfy, st = load_modules(args.ftfy, args.clip)
    tok = st.SimpleTokenizer(str(ROOT / "data" / "bpe_simple_vocab_16e6.txt.gz"))
    goldens = [golden(ftfy, st, tok, desc, raw) for desc, raw in cases()]
    doc = {
        "generator": "scripts/gen-tokenizer-goldens.py",
        "reference": f"ftfy {ftfy.__version__}, openai/CLIP simple_tokenizer.py, Python {sys.version.split()[0]}",
        "context": CONTEXT,
        "cases": goldens,
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="ascii")
    print(f"wrote {len(goldens)} cases to {args.out}")
    moji_cases = mojibake_cases(ftfy, 1500, seed=2026)
    changed = sum(c["fix_encoding"] != c["input"] for c in moji_cases)
    moji_doc = {"generator": "scripts/gen-tokenizer-goldens.py", "reference": doc["reference"], "cases": moji_cases}
    args.mojibake_out.write_text(json.dumps(moji_doc, indent=0) + "\n", encoding="ascii")
    print(f"wrote {len(moji_cases)} cases ({changed} changed by fix_encoding) to {args.mojibake_out}")


if __name__ == "__main__":
    main()
