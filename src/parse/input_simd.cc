/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_simd.cc: a pmacct JSON line read by simdjson, into the same tree
 * of values the jsmn walk of input_doc.c makes.
 *
 * simdjson's DOM parser (Debian's libsimdjson-dev) reads 64 bytes at a
 * time and validates the whole line: its grammar, UTF-8, that strings hold
 * no control character, that numbers are JSON's and fit a double or a
 * 64-bit integer, at most 1024 levels deep. What it accepts of a line
 * without escapes and NUL bytes, jansson accepted too, and read the same
 * values, but for three cases handled here or by the caller: a top level
 * that is no object, an integer above INT64_MAX (simdjson's uint64) and a
 * key twice in an object (input_doc.c's index finds it). Those lines, and
 * every line simdjson refuses, go to the walk, which names the reason.
 *
 * The tree is filled from simdjson's document in document order, as the
 * walk fills it from jsmn's tokens: each value, then what it holds; an
 * object's keys are string values, each followed by its value. Strings are
 * copied into the document's text with a NUL (they are as in the line, so
 * the text's room for the line suffices), numbers keep their value. The
 * parser's buffers belong to the thread: one parser per thread, grown to
 * the longest line it has read, and nothing shared between threads. */
#include <cstdint>
#include <cstring>

#include <simdjson.h>

extern "C" {
#include "parse/input.h"
}
#include "parse/input_simd.h"

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

struct filler {
    input_doc *doc;
    uint32_t n;         // values filled
};

simdjson::dom::parser &thread_parser()
{
    static thread_local simdjson::dom::parser parser;
    return parser;
}

// The next value of the tree, inside container up (-1: the top).
input_val *add(filler &f, int32_t up)
{
    input_val *v = &f.doc->val[f.n++];

    v->up = up;
    v->end = f.n;
    v->count = 0;
    v->in_line = 0;
    v->doc = f.doc;
    return v;
}

void set_text(input_val *v, input_kind kind, const char *s, size_t len)
{
    v->kind = kind;
    v->s = s;
    v->len = static_cast<uint32_t>(len);
}

void set_string(input_doc *d, input_val *v, std::string_view s)
{
    char *copy = d->text + d->text_used;

    std::memcpy(copy, s.data(), s.size());
    copy[s.size()] = '\0';
    d->text_used += s.size() + 1;
    set_text(v, INPUT_STRING, copy, s.size());
}

bool fill(filler &f, element e, int32_t up);

bool fill_object(filler &f, simdjson::dom::object obj, input_val *v)
{
    int32_t at = static_cast<int32_t>(v - f.doc->val);

    set_text(v, INPUT_OBJECT, "", 0);
    for (auto member : obj) {
        set_string(f.doc, add(f, at), member.key);
        if (!fill(f, member.value, at))
            return false;
        v->count += 2;
    }
    return true;
}

bool fill_array(filler &f, simdjson::dom::array arr, input_val *v)
{
    int32_t at = static_cast<int32_t>(v - f.doc->val);

    set_text(v, INPUT_ARRAY, "", 0);
    for (element item : arr) {
        if (!fill(f, item, at))
            return false;
        v->count++;
    }
    return true;
}

// Value e and what it holds; false where the walk must decide.
bool fill(filler &f, element e, int32_t up)
{
    input_val *v = add(f, up);
    bool ok = true;

    switch (e.type()) {
    case element_type::OBJECT:
        ok = fill_object(f, e.get_object().value_unsafe(), v);
        break;
    case element_type::ARRAY:
        ok = fill_array(f, e.get_array().value_unsafe(), v);
        break;
    case element_type::STRING:
        set_string(f.doc, v, e.get_string().value_unsafe());
        break;
    case element_type::INT64:
        v->kind = INPUT_INTEGER;
        v->i = e.get_int64().value_unsafe();
        break;
    case element_type::DOUBLE:
        v->kind = INPUT_REAL;
        v->r = e.get_double().value_unsafe();
        break;
    case element_type::BOOL:
        if (e.get_bool().value_unsafe())
            set_text(v, INPUT_TRUE, "true", 4);
        else
            set_text(v, INPUT_FALSE, "false", 5);
        break;
    case element_type::NULL_VALUE:
        set_text(v, INPUT_NULL, "null", 4);
        break;
    case element_type::UINT64:          // above INT64_MAX: jansson's overflow
        return false;
    }
    v->end = f.n;
    return ok;
}

// Values in the document at most: its tape has a word for each value
// (two for a number) and one more for each container's end and the root's.
uint32_t values_at_most(const simdjson::dom::parser &parser)
{
    uint64_t words = parser.doc.tape[0] & simdjson::internal::JSON_VALUE_MASK;

    return static_cast<uint32_t>(words);
}

} // namespace

extern "C" int sdd__simd_fill(const char *line, size_t len, input_doc *doc)
{
    simdjson::dom::parser &parser = thread_parser();
    element root;
    uint32_t n;
    filler f = {doc, 0};

    if (parser.parse(line, len).get(root) != simdjson::SUCCESS || !root.is_object())
        return -1;
    n = values_at_most(parser);
    if (sdd__input_alloc(doc, n, n / 2, len) < 0)
        return -1;
    if (!fill(f, root, -1)) {
        sdd__input_free(doc);
        return -1;
    }
    doc->n = f.n;
    return 0;
}
