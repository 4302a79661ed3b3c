/* The rows of an Analytic Data API body: the JSON "rows" array, written as render.json_bytes would
 * write it, and the CSV lines after the header, written as render.csv_body's csv module would.
 *
 * A week of documents is thousands of rows; building a list per row for orjson and then replacing
 * the Rails escapes in the bytes cost ~1.5 ms of the 10 a week's report may take. This writes the
 * same bytes in one pass from the report's own row tuples: orjson's escapes (\" \\ \b \t \n \f \r,
 * other control characters as \u00xx, everything else as UTF-8) plus Rails' (&, <, >, U+2028,
 * U+2029 as \u escapes). Cells may be str, int, bool or None; anything else (the efficiency
 * report's floats) raises TypeError and render.py writes that report itself. tests/compat checks
 * the bytes against render.json_bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t len, cap;
} Out;

static int reserve(Out *o, size_t more) {
    if (o->len + more <= o->cap)
        return 0;
    size_t cap = o->cap ? o->cap : 65536;
    while (cap < o->len + more)
        cap *= 2;
    char *grown = PyMem_Realloc(o->buf, cap);
    if (!grown) {
        PyErr_NoMemory();
        return -1;
    }
    o->buf = grown;
    o->cap = cap;
    return 0;
}

static int put(Out *o, const char *s, size_t n) {
    if (reserve(o, n) < 0)
        return -1;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return 0;
}

static int put_int(Out *o, long long v) {
    char tmp[24], *end = tmp + sizeof tmp, *p = end;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return put(o, p, (size_t)(end - p));
}

static const char HEX[] = "0123456789abcdef";

/* The bytes that are not copied as they are: control characters, the quote, the backslash, Rails'
 * &, < and >, and 0xE2, which leads U+2028 and U+2029 (and other characters, copied after a look). */
static unsigned char SPECIAL[256];

static void init_special(void) {
    for (int c = 0; c < 0x20; c++)
        SPECIAL[c] = 1;
    SPECIAL['"'] = SPECIAL['\\'] = SPECIAL['&'] = SPECIAL['<'] = SPECIAL['>'] = SPECIAL[0xe2] = 1;
}

static int put_str(Out *o, PyObject *s) {
    Py_ssize_t n;
    const unsigned char *p = (const unsigned char *)PyUnicode_AsUTF8AndSize(s, &n);
    if (!p)
        return -1;
    /* At most 6 bytes out for each byte in (a \u00xx escape), and the quotes. */
    if (reserve(o, (size_t)n * 6 + 2) < 0)
        return -1;
    char *w = o->buf + o->len;
    *w++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t run = i;
        while (run < n && !SPECIAL[p[run]])
            run++;
        if (run > i) {
            memcpy(w, p + i, (size_t)(run - i));
            w += run - i;
            i = run;
            if (i == n)
                break;
        }
        unsigned char c = p[i];
        switch (c) {
        case '"': *w++ = '\\'; *w++ = '"'; break;
        case '\\': *w++ = '\\'; *w++ = '\\'; break;
        case '\b': *w++ = '\\'; *w++ = 'b'; break;
        case '\t': *w++ = '\\'; *w++ = 't'; break;
        case '\n': *w++ = '\\'; *w++ = 'n'; break;
        case '\f': *w++ = '\\'; *w++ = 'f'; break;
        case '\r': *w++ = '\\'; *w++ = 'r'; break;
        case 0xe2:
            /* U+2028 and U+2029 are E2 80 A8 and E2 80 A9 */
            if (i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
                memcpy(w, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
                w += 6;
                i += 2;
            } else {
                *w++ = (char)c;
            }
            break;
        default: /* control characters, &, <, > */
            memcpy(w, "\\u00", 4);
            w[4] = HEX[c >> 4];
            w[5] = HEX[c & 15];
            w += 6;
        }
    }
    *w++ = '"';
    o->len = (size_t)(w - o->buf);
    return 0;
}

/* The escaped bytes of strings already written in this body, by the string object: a report's rows
 * repeat their labels, activities and categories thousands of times (the rows hold the same
 * objects). Direct-mapped; the rows keep every object alive, so an address names one string. */
#define MEMO_SLOTS 1024
#define MEMO_MAX 64

typedef struct {
    PyObject *key[MEMO_SLOTS];
    unsigned char len[MEMO_SLOTS];
    char bytes[MEMO_SLOTS][MEMO_MAX];
} Memo;

static int put_str_memo(Out *o, Memo *memo, PyObject *s) {
    size_t h = (((uintptr_t)s >> 4) ^ ((uintptr_t)s >> 14)) & (MEMO_SLOTS - 1);
    if (memo->key[h] == s)
        return put(o, memo->bytes[h], memo->len[h]);
    size_t start = o->len;
    if (put_str(o, s) < 0)
        return -1;
    size_t len = o->len - start;
    if (len <= MEMO_MAX) {
        memcpy(memo->bytes[h], o->buf + start, len);
        memo->len[h] = (unsigned char)len;
        memo->key[h] = s;
    }
    return 0;
}

static int put_long(Out *o, PyObject *v) {
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "an integer cell beyond 64 bits");
        return -1;
    }
    if (x == -1 && PyErr_Occurred())
        return -1;
    return put_int(o, x);
}

/* The milliseconds of a row rounded half up to seconds, or -1 with an error set. */
static long long row_seconds(PyObject *row) {
    int overflow;
    PyObject *v = PyTuple_GET_ITEM(row, 1);
    long long ms = PyLong_Check(v) ? PyLong_AsLongLongAndOverflow(v, &overflow) : (overflow = 1, 0);
    if (overflow || ms < 0 || ms > LLONG_MAX - 500) {
        PyErr_SetString(PyExc_TypeError, "milliseconds must be an int of 0 or more");
        return -1;
    }
    return (ms + 500) / 1000;
}

static int put_cell(Out *o, Memo *memo, PyObject *v) {
    if (PyUnicode_Check(v))
        return put_str_memo(o, memo, v);
    if (v == Py_None)
        return put(o, "null", 4);
    if (PyBool_Check(v))
        return v == Py_True ? put(o, "true", 4) : put(o, "false", 5);
    if (PyLong_Check(v))
        return put_long(o, v);
    PyErr_Format(PyExc_TypeError, "a cell of type %.100s", Py_TYPE(v)->tp_name);
    return -1;
}

/* rows_json(rows, interval) -> bytes: the JSON array of [first, seconds, 1, *row[2:]] for each
 * report row (label, ms, *fields); first is the label for an interval, else the rank from 1, and
 * seconds are the milliseconds rounded half up. */
static PyObject *rows_json(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *rows;
    int interval;
    if (!PyArg_ParseTuple(args, "O!p", &PyList_Type, &rows, &interval))
        return NULL;
    Out o = {NULL, 0, 0};
    Py_ssize_t n = PyList_GET_SIZE(rows);
    Memo *memo = PyMem_Malloc(sizeof(Memo));
    if (!memo)
        return PyErr_NoMemory();
    memset(memo->key, 0, sizeof memo->key);
    if (put(&o, "[", 1) < 0)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) < 2) {
            PyErr_SetString(PyExc_TypeError, "rows must be tuples (label, ms, *fields)");
            goto fail;
        }
        if (put(&o, i ? ",[" : "[", i ? 2 : 1) < 0)
            goto fail;
        if (interval ? put_cell(&o, memo, PyTuple_GET_ITEM(row, 0)) < 0 : put_int(&o, (long long)i + 1) < 0)
            goto fail;
        long long secs = row_seconds(row);
        if (secs < 0 || put(&o, ",", 1) < 0 || put_int(&o, secs) < 0 || put(&o, ",1", 2) < 0)
            goto fail;
        for (Py_ssize_t j = 2; j < PyTuple_GET_SIZE(row); j++)
            if (put(&o, ",", 1) < 0 || put_cell(&o, memo, PyTuple_GET_ITEM(row, j)) < 0)
                goto fail;
        if (put(&o, "]", 1) < 0)
            goto fail;
    }
    if (put(&o, "]", 1) < 0)
        goto fail;
    PyObject *out = PyBytes_FromStringAndSize(o.buf, (Py_ssize_t)o.len);
    PyMem_Free(o.buf);
    PyMem_Free(memo);
    return out;
fail:
    PyMem_Free(o.buf);
    PyMem_Free(memo);
    return NULL;
}

static PyObject *rows_csv(PyObject *module, PyObject *args);

static PyMethodDef methods[] = {
    {"rows_json", rows_json, METH_VARARGS, "rows_json(rows, interval) -> the JSON bytes of the rows array."},
    {"rows_csv", rows_csv, METH_VARARGS, "rows_csv(rows, interval) -> the CSV lines of the rows, each ended by LF."},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "selftime.compat._rows", "The rows array of an Analytic Data API body.", -1, methods,
};


/* A CSV field as csv.writer(QUOTE_MINIMAL) writes it, quoted when it holds a comma, a quote, LF or
 * CR (render.csv_body quotes for CR as well as LF: a bare CR broke the line for every reader), its
 * quotes doubled. */
static int put_csv_str(Out *o, PyObject *s) {
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(s, &n);
    if (!p)
        return -1;
    int quote = 0, quotes = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '"')
            quotes++;
        if (c == ',' || c == '"' || c == '\n' || c == '\r')
            quote = 1;
    }
    if (!quote)
        return put(o, p, (size_t)n);
    if (reserve(o, (size_t)n + (size_t)quotes + 2) < 0)
        return -1;
    char *w = o->buf + o->len;
    *w++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] == '"')
            *w++ = '"';
        *w++ = p[i];
    }
    *w++ = '"';
    o->len = (size_t)(w - o->buf);
    return 0;
}

static int put_csv_cell(Out *o, PyObject *v) {
    if (PyUnicode_Check(v))
        return put_csv_str(o, v);
    if (v == Py_None)
        return 0;
    if (PyBool_Check(v))
        return v == Py_True ? put(o, "True", 4) : put(o, "False", 5);
    if (PyLong_Check(v))
        return put_long(o, v);
    PyErr_Format(PyExc_TypeError, "a cell of type %.100s", Py_TYPE(v)->tp_name);
    return -1;
}


/* rows_csv(rows, interval) -> bytes: a line "first,seconds,1,*row[2:]" ended by LF for each report
 * row (label, ms, *fields), as rows_json has them. */
static PyObject *rows_csv(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *rows;
    int interval;
    if (!PyArg_ParseTuple(args, "O!p", &PyList_Type, &rows, &interval))
        return NULL;
    Out o = {NULL, 0, 0};
    if (reserve(&o, 1) < 0)
        goto fail;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(rows); i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) < 2) {
            PyErr_SetString(PyExc_TypeError, "rows must be tuples (label, ms, *fields)");
            goto fail;
        }
        if (interval ? put_csv_cell(&o, PyTuple_GET_ITEM(row, 0)) < 0 : put_int(&o, (long long)i + 1) < 0)
            goto fail;
        long long secs = row_seconds(row);
        if (secs < 0 || put(&o, ",", 1) < 0 || put_int(&o, secs) < 0 || put(&o, ",1", 2) < 0)
            goto fail;
        for (Py_ssize_t j = 2; j < PyTuple_GET_SIZE(row); j++)
            if (put(&o, ",", 1) < 0 || put_csv_cell(&o, PyTuple_GET_ITEM(row, j)) < 0)
                goto fail;
        if (put(&o, "\n", 1) < 0)
            goto fail;
    }
    PyObject *out = PyBytes_FromStringAndSize(o.buf, (Py_ssize_t)o.len);
    PyMem_Free(o.buf);
    return out;
fail:
    PyMem_Free(o.buf);
    return NULL;
}

PyMODINIT_FUNC PyInit__rows(void) {
    init_special();
    return PyModule_Create(&module);
}
