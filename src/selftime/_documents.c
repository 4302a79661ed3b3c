/* Document reports on SQLite without a Python object per stored row.
 *
 * A week of documents is thousands of rows, one per (bucket, activity, document), and in Python each
 * row cost ~1.5 us to fetch, sum, name and sort: more than the 10 ms a week's report may take. Here a
 * Reader runs the report's SELECT on its own read-only connection, sums (bucket, activity, document,
 * ms) rows in a hash table with the GIL released, and Grouped.rows() names and orders them in one
 * pass, building only the report's own row tuples. What the rows mean (labels, the categorization,
 * document names, the order) stays with selftime.analytics, which hands it in; the pure-Python path
 * there computes the same rows and is what runs on PostgreSQL or where this module is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t b, a, d, ms;
} Entry;

/* ---- summing (bucket, activity, document) in an open-addressing table ---- */

typedef struct {
    Entry *slots;
    unsigned char *used;
    size_t cap, n;
} Table;

static uint64_t mix(int64_t b, int64_t a, int64_t d) {
    uint64_t x = (uint64_t)b * 0x9E3779B97F4A7C15ULL ^ (uint64_t)a * 0xC2B2AE3D27D4EB4FULL ^ (uint64_t)d * 0x165667B19E3779F9ULL;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    return x ^ (x >> 29);
}

static int table_init(Table *t, size_t cap) {
    t->slots = malloc(cap * sizeof(Entry));
    t->used = calloc(cap, 1);
    t->cap = cap;
    t->n = 0;
    return t->slots && t->used ? 0 : -1;
}

static void table_free(Table *t) {
    free(t->slots);
    free(t->used);
    t->slots = NULL;
    t->used = NULL;
}

static int table_add(Table *t, int64_t b, int64_t a, int64_t d, int64_t ms);

static int table_grow(Table *t) {
    Table bigger;
    if (table_init(&bigger, t->cap * 2) < 0) {
        table_free(&bigger);
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->used[i]) {
            Entry *e = &t->slots[i];
            table_add(&bigger, e->b, e->a, e->d, e->ms);
        }
    }
    table_free(t);
    *t = bigger;
    return 0;
}

static int table_add(Table *t, int64_t b, int64_t a, int64_t d, int64_t ms) {
    if ((t->n + 1) * 2 > t->cap && table_grow(t) < 0)
        return -1;
    size_t mask = t->cap - 1, i = mix(b, a, d) & mask;
    while (t->used[i]) {
        Entry *e = &t->slots[i];
        if (e->b == b && e->a == a && e->d == d) {
            e->ms += ms;
            return 0;
        }
        i = (i + 1) & mask;
    }
    t->used[i] = 1;
    t->slots[i] = (Entry){b, a, d, ms};
    t->n++;
    return 0;
}

/* ---- distinct ids: int64 -> its place in order of first sight ---- */

typedef struct {
    int64_t *keys;
    Py_ssize_t *places;
    size_t cap;
    Py_ssize_t n;
} IdMap;

static int idmap_init(IdMap *t, size_t expected) {
    size_t cap = 64;
    while (cap < expected * 2)
        cap *= 2;
    t->keys = malloc(cap * sizeof(int64_t));
    t->places = malloc(cap * sizeof(Py_ssize_t));
    t->cap = cap;
    t->n = 0;
    if (!t->keys || !t->places)
        return -1;
    for (size_t i = 0; i < cap; i++)
        t->places[i] = -1;
    return 0;
}

static void idmap_free(IdMap *t) {
    free(t->keys);
    free(t->places);
    t->keys = NULL;
    t->places = NULL;
}

/* The id's place, a new one (the next number) when it was not there yet. The table is sized for
 * every id the caller may add, so it never fills. */
static Py_ssize_t idmap_place(IdMap *t, int64_t key) {
    size_t mask = t->cap - 1, i = mix(key, 0, 0) & mask;
    while (t->places[i] >= 0) {
        if (t->keys[i] == key)
            return t->places[i];
        i = (i + 1) & mask;
    }
    t->keys[i] = key;
    return t->places[i] = t->n++;
}

/* ---- Grouped: the summed rows of one report ---- */

typedef struct {
    PyObject_HEAD Entry *entries;
    Py_ssize_t n;
} Grouped;

static PyTypeObject GroupedType;

static void Grouped_dealloc(Grouped *self) {
    free(self->entries);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static Py_ssize_t Grouped_len(Grouped *self) { return self->n; }

static int cmp_int64(const void *x, const void *y) {
    int64_t p = *(const int64_t *)x, q = *(const int64_t *)y;
    return (p > q) - (p < q);
}

/* The distinct buckets, ascending: the caller labels each once. */
static PyObject *Grouped_buckets(Grouped *self, PyObject *Py_UNUSED(ignored)) {
    IdMap seen = {0};
    PyObject *out = NULL;
    int64_t *bs = malloc((self->n ? self->n : 1) * sizeof(int64_t));
    if (!bs || idmap_init(&seen, (size_t)self->n) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t nb = 0;
    for (Py_ssize_t i = 0; i < self->n; i++)
        if (idmap_place(&seen, self->entries[i].b) == nb)
            bs[nb++] = self->entries[i].b;
    qsort(bs, nb, sizeof(int64_t), cmp_int64);
    out = PyList_New(nb);
    for (Py_ssize_t i = 0; out && i < nb; i++) {
        PyObject *v = PyLong_FromLongLong(bs[i]);
        if (!v)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, v);
    }
done:
    idmap_free(&seen);
    free(bs);
    return out;
}

/* The distinct documents (not 0, the time without one): the names the caller must have. */
static PyObject *Grouped_document_ids(Grouped *self, PyObject *Py_UNUSED(ignored)) {
    IdMap seen = {0};
    PyObject *out = PyList_New(0);
    if (!out || idmap_init(&seen, (size_t)self->n) < 0) {
        idmap_free(&seen);
        Py_XDECREF(out);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; out && i < self->n; i++) {
        int64_t d = self->entries[i].d;
        Py_ssize_t before = seen.n;
        if (d == 0 || idmap_place(&seen, d) < before)
            continue;
        PyObject *v = PyLong_FromLongLong(d);
        if (!v || PyList_Append(out, v) < 0)
            Py_CLEAR(out);
        Py_XDECREF(v);
    }
    idmap_free(&seen);
    return out;
}

typedef struct {
    const char *s;
    Py_ssize_t n;
} Bytes;

static int cmp_bytes(Bytes x, Bytes y) {
    /* UTF-8 in byte order is code point order: Python's order for str */
    int c = memcmp(x.s, y.s, (size_t)(x.n < y.n ? x.n : y.n));
    if (c)
        return c;
    return (x.n > y.n) - (x.n < y.n);
}

static int utf8_of(PyObject *s, Bytes *out) {
    if (s == Py_None) {
        out->s = "";
        out->n = 0;
        return 0;
    }
    if (!PyUnicode_Check(s)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %.100s", Py_TYPE(s)->tp_name);
        return -1;
    }
    out->s = PyUnicode_AsUTF8AndSize(s, &out->n);
    return out->s ? 0 : -1;
}

/* One distinct bucket or activity: what orders it, and where it goes. */
typedef struct {
    Py_ssize_t index; /* its place in order of first sight */
    Bytes k1, k2;     /* a bucket: its label; an activity: its folded name, then its name */
    PyObject *obj;    /* a bucket: its label; an activity: its (name, folded, sub-category, productivity) */
} Distinct;

static int cmp_distinct(const void *x, const void *y) {
    const Distinct *p = x, *q = y;
    int c = cmp_bytes(p->k1, q->k1);
    return c ? c : cmp_bytes(p->k2, q->k2);
}

typedef struct {
    int64_t negsecs;
    int64_t arank; /* the activity's place by (folded name, name): the document shape */
    Bytes k1, k2;  /* the document: as it is (document shape); folded, then as it is (activity shape) */
    int64_t a, d, ms;
    PyObject *label, *info, *doc, *folded; /* borrowed, but folded: owned */
} SortRow;

static int cmp_rows(const void *x, const void *y) {
    const SortRow *p = *(SortRow *const *)x, *q = *(SortRow *const *)y;
    int c;
    if (p->negsecs != q->negsecs)
        return p->negsecs < q->negsecs ? -1 : 1;
    if (p->arank != q->arank)
        return p->arank < q->arank ? -1 : 1;
    if ((c = cmp_bytes(p->k1, q->k1)) || (c = cmp_bytes(p->k2, q->k2)))
        return c;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return (p->d > q->d) - (p->d < q->d);
}

static PyObject *lookup(PyObject *dict, int64_t id) {
    PyObject *key = PyLong_FromLongLong(id);
    if (!key)
        return NULL;
    PyObject *v = PyDict_GetItemWithError(dict, key);
    if (!v && !PyErr_Occurred())
        PyErr_SetObject(PyExc_KeyError, key);
    Py_DECREF(key);
    return v; /* borrowed */
}

/* Sorts `d` (n of them) and writes each one's rank by that order into rank[its index]; equal
 * ones share a rank. Returns the number of ranks. */
static Py_ssize_t rank_distinct(Distinct *d, Py_ssize_t n, Py_ssize_t *rank) {
    qsort(d, n, sizeof(Distinct), cmp_distinct);
    Py_ssize_t r = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i == 0 || cmp_distinct(&d[i], &d[i - 1]) != 0)
            r++;
        rank[d[i].index] = r;
    }
    return r + 1;
}

/* rows(shape, labels, activities, names, no_details) -> list of the report's row tuples, ordered.
 *
 * labels: bucket -> label (str, or None for a rank); buckets with the same label are summed.
 * activities: activity id -> (name, name.casefold(), sub-category, productivity).
 * names: document id -> name; document 0 is no_details. A missing id raises KeyError.
 * shape "document": rows (label, ms, activity, document, sub-category, productivity), ordered by
 *   label, seconds (more first), the activity case-insensitively, the activity, the document.
 * shape "activity" (one activity's documents as activities): rows (label, ms, document, sub, level),
 *   ordered by label, seconds (more first), the document case-insensitively, the document. */
static PyObject *Grouped_rows(Grouped *self, PyObject *args) {
    const char *shape;
    PyObject *labels, *activities, *names, *no_details;
    if (!PyArg_ParseTuple(args, "sO!O!O!U", &shape, &PyDict_Type, &labels, &PyDict_Type, &activities, &PyDict_Type,
                          &names, &no_details))
        return NULL;
    int by_document = strcmp(shape, "document") == 0;
    if (!by_document && strcmp(shape, "activity") != 0) {
        PyErr_Format(PyExc_ValueError, "unknown shape %s", shape);
        return NULL;
    }
    Py_ssize_t n = self->n, m = 0, nplaces = 0, built = 0;
    PyObject *out = NULL;
    IdMap buckets = {0}, acts = {0};
    Table folded = {0};
    Entry *entries = self->entries;
    SortRow *rows = NULL, **order = NULL;
    Distinct *distinct = malloc((n ? n : 1) * sizeof(Distinct));
    Py_ssize_t *place = malloc((n ? n : 1) * sizeof(Py_ssize_t)), *arank = malloc((n ? n : 1) * sizeof(Py_ssize_t));
    PyObject **label_of = malloc((2 * (size_t)n + 2) * sizeof(PyObject *)); /* labels, then activities */
    Py_ssize_t *starts = NULL;
    if (!distinct || !place || !arank || !label_of || idmap_init(&buckets, (size_t)n) < 0 ||
        idmap_init(&acts, (size_t)n) < 0) {
        PyErr_NoMemory();
        goto done;
    }

    /* Each distinct bucket's label, and the label's place among the report's labels in order. */
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t before = buckets.n, k = idmap_place(&buckets, entries[i].b);
        if (k < before)
            continue;
        Distinct *d = &distinct[k];
        d->index = k;
        if (!(d->obj = lookup(labels, entries[i].b)) || utf8_of(d->obj, &d->k1) < 0)
            goto done;
        d->k2 = (Bytes){"", 0};
    }
    Py_ssize_t nb = buckets.n;
    nplaces = rank_distinct(distinct, nb, place);
    for (Py_ssize_t i = 0; i < nb; i++)
        label_of[place[distinct[i].index]] = distinct[i].obj;

    /* The entries by label place; where labels fold buckets (weeks, months), summed again. */
    if (nplaces < nb) {
        if (table_init(&folded, 64) < 0) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++)
            if (table_add(&folded, place[idmap_place(&buckets, entries[i].b)], entries[i].a, entries[i].d,
                          entries[i].ms) < 0) {
                PyErr_NoMemory();
                goto done;
            }
        entries = malloc((folded.n ? folded.n : 1) * sizeof(Entry));
        if (!entries) {
            PyErr_NoMemory();
            goto done;
        }
        for (size_t i = 0; i < folded.cap; i++)
            if (folded.used[i])
                entries[m++] = folded.slots[i];
    } else {
        entries = malloc((n ? n : 1) * sizeof(Entry));
        if (!entries) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            entries[i] = self->entries[i];
            entries[i].b = place[idmap_place(&buckets, entries[i].b)];
        }
        m = n;
    }

    /* Each distinct activity's info, and its rank by (folded name, name). */
    for (Py_ssize_t i = 0; i < m; i++) {
        Py_ssize_t before = acts.n, k = idmap_place(&acts, entries[i].a);
        if (k < before)
            continue;
        Distinct *d = &distinct[k];
        d->index = k;
        if (!(d->obj = lookup(activities, entries[i].a)))
            goto done;
        if (!PyTuple_Check(d->obj) || PyTuple_GET_SIZE(d->obj) != 4) {
            PyErr_SetString(PyExc_TypeError, "activities must map to (name, folded name, sub-category, productivity)");
            goto done;
        }
        if (utf8_of(PyTuple_GET_ITEM(d->obj, 1), &d->k1) < 0 || utf8_of(PyTuple_GET_ITEM(d->obj, 0), &d->k2) < 0)
            goto done;
    }
    Py_ssize_t na = acts.n;
    PyObject **info_of = (PyObject **)label_of + nplaces; /* the rest of label_of's room */
    for (Py_ssize_t i = 0; i < na; i++)
        info_of[distinct[i].index] = distinct[i].obj;
    rank_distinct(distinct, na, arank);

    rows = malloc((m ? m : 1) * sizeof(SortRow)); /* every field is set below: no need to clear them */
    order = malloc((m ? m : 1) * sizeof(SortRow *));
    starts = calloc((size_t)nplaces + 1, sizeof(Py_ssize_t));
    if (!rows || !order || !starts) {
        PyErr_NoMemory();
        built = -1; /* no row set: none to clear */
        goto done;
    }
    for (; built < m; built++) {
        Entry *e = &entries[built];
        SortRow *r = &rows[built];
        Py_ssize_t k = idmap_place(&acts, e->a);
        r->folded = NULL;
        r->arank = 0;
        r->label = label_of[e->b];
        r->info = info_of[k];
        r->a = e->a;
        r->d = e->d;
        r->ms = e->ms;
        r->negsecs = -((e->ms + 500) / 1000);
        r->doc = e->d == 0 ? no_details : lookup(names, e->d);
        if (!r->doc)
            break;
        if (by_document) {
            r->arank = arank[k];
            if (utf8_of(r->doc, &r->k1) < 0)
                break;
            r->k2 = (Bytes){"", 0};
        } else {
            if (!(r->folded = PyObject_CallMethod(r->doc, "casefold", NULL)))
                break;
            if (utf8_of(r->folded, &r->k1) < 0 || utf8_of(r->doc, &r->k2) < 0)
                break;
        }
        starts[e->b + 1]++;
    }
    if (built < m)
        goto done;
    /* By label first (a counting sort: labels are places 0..nplaces-1), then each label's rows. */
    for (Py_ssize_t p = 0; p < nplaces; p++)
        starts[p + 1] += starts[p];
    {
        Py_ssize_t *next = arank; /* arank is no longer needed: reused as the fill pointers */
        for (Py_ssize_t p = 0; p < nplaces; p++)
            next[p] = starts[p];
        for (Py_ssize_t i = 0; i < m; i++)
            order[next[entries[i].b]++] = &rows[i];
    }
    for (Py_ssize_t p = 0; p < nplaces; p++)
        qsort(order + starts[p], (size_t)(starts[p + 1] - starts[p]), sizeof(SortRow *), cmp_rows);
    out = PyList_New(m);
    for (Py_ssize_t i = 0; out && i < m; i++) {
        SortRow *r = order[i];
        PyObject *info = r->info, *row = PyTuple_New(by_document ? 6 : 5), *ms = PyLong_FromLongLong(r->ms);
        if (!row || !ms) {
            Py_XDECREF(row);
            Py_XDECREF(ms);
            Py_CLEAR(out);
            break;
        }
        PyObject *cells[6] = {r->label, ms, NULL, NULL, PyTuple_GET_ITEM(info, 2), PyTuple_GET_ITEM(info, 3)};
        if (by_document) {
            cells[2] = PyTuple_GET_ITEM(info, 0);
            cells[3] = r->doc;
        } else {
            cells[2] = r->doc;
            cells[3] = cells[4];
            cells[4] = cells[5];
        }
        for (int j = 0; j < (by_document ? 6 : 5); j++) {
            if (j != 1)
                Py_INCREF(cells[j]);
            PyTuple_SET_ITEM(row, j, cells[j]);
        }
        /* Only str, int and None inside: it can be in no cycle, and untracked, the collector
         * never walks the thousands of them a report makes (CPython untracks such tuples too,
         * but only once one has survived a collection). */
        PyObject_GC_UnTrack(row);
        PyList_SET_ITEM(out, i, row);
    }
done:
    if (rows) {
        /* the rows set so far: a loop that stopped at row `built` had cleared its folded name */
        for (Py_ssize_t i = 0; i < (built < m ? built + 1 : m); i++)
            Py_XDECREF(rows[i].folded);
        free(rows);
    }
    if (entries != self->entries)
        free(entries);
    free(order);
    free(starts);
    free(distinct);
    free(place);
    free(arank);
    free(label_of);
    idmap_free(&buckets);
    idmap_free(&acts);
    table_free(&folded);
    return out;
}

static PyMethodDef Grouped_methods[] = {
    {"buckets", (PyCFunction)Grouped_buckets, METH_NOARGS, "The distinct bucket numbers, ascending."},
    {"document_ids", (PyCFunction)Grouped_document_ids, METH_NOARGS, "The distinct document ids (0 left out)."},
    {"rows", (PyCFunction)Grouped_rows, METH_VARARGS,
     "rows(shape, labels, activities, names, no_details) -> the report's rows, ordered."},
    {NULL},
};

static PySequenceMethods Grouped_as_sequence = {.sq_length = (lenfunc)Grouped_len};

static PyTypeObject GroupedType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "selftime._documents.Grouped",
    .tp_basicsize = sizeof(Grouped),
    .tp_dealloc = (destructor)Grouped_dealloc,
    .tp_as_sequence = &Grouped_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The (bucket, activity, document) sums of one report.",
    .tp_methods = Grouped_methods,
};

/* ---- Reader: a read-only connection of its own ---- */

typedef struct {
    PyObject_HEAD sqlite3 *db;
} Reader;

static void Reader_dealloc(Reader *self) {
    if (self->db)
        sqlite3_close_v2(self->db);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Reader_init(Reader *self, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"path", "busy_timeout_ms", NULL};
    const char *path;
    int busy = 10000;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|i", kwlist, &path, &busy))
        return -1;
    if (self->db) {
        sqlite3_close_v2(self->db);
        self->db = NULL;
    }
    sqlite3 *db = NULL;
    /* Read-write without create, then query_only: a read-only open of a WAL database needs its
     * -shm file to exist already, and the server's own connections are what make it. */
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_OSError, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close_v2(db);
        return -1;
    }
    sqlite3_busy_timeout(db, busy);
    rc = sqlite3_exec(db,
                      "PRAGMA query_only=ON; PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;"
                      " PRAGMA temp_store=MEMORY",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_OSError, "cannot set up %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close_v2(db);
        return -1;
    }
    self->db = db;
    return 0;
}

static int bind_params(sqlite3_stmt *stmt, PyObject *params) {
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(params, &pos, &key, &value)) {
        PyObject *name = PyUnicode_FromFormat(":%U", key);
        if (!name)
            return -1;
        int idx = sqlite3_bind_parameter_index(stmt, PyUnicode_AsUTF8(name));
        Py_DECREF(name);
        if (idx == 0)
            continue;
        int rc;
        if (value == Py_None) {
            rc = sqlite3_bind_null(stmt, idx);
        } else if (PyLong_Check(value)) {
            long long v = PyLong_AsLongLong(value);
            if (v == -1 && PyErr_Occurred())
                return -1;
            rc = sqlite3_bind_int64(stmt, idx, v);
        } else if (PyUnicode_Check(value)) {
            Py_ssize_t len;
            const char *s = PyUnicode_AsUTF8AndSize(value, &len);
            if (!s)
                return -1;
            rc = sqlite3_bind_text64(stmt, idx, s, (sqlite3_uint64)len, SQLITE_TRANSIENT, SQLITE_UTF8);
        } else {
            PyErr_Format(PyExc_TypeError, "cannot bind %.100s", Py_TYPE(value)->tp_name);
            return -1;
        }
        if (rc != SQLITE_OK) {
            PyErr_Format(PyExc_RuntimeError, "cannot bind :%U (%d)", key, rc);
            return -1;
        }
    }
    return 0;
}

/* group(sql, params) -> Grouped: runs a SELECT of (bucket, activity id, document id or NULL, ms)
 * rows, which need not be unique, and sums them by (bucket, activity, document); NULL is document 0. */
static PyObject *Reader_group(Reader *self, PyObject *args) {
    const char *sql;
    PyObject *params;
    if (!PyArg_ParseTuple(args, "sO!", &sql, &PyDict_Type, &params))
        return NULL;
    if (!self->db) {
        PyErr_SetString(PyExc_RuntimeError, "the reader is not open");
        return NULL;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(self->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        PyErr_Format(PyExc_RuntimeError, "%s", sqlite3_errmsg(self->db));
        return NULL;
    }
    if (sqlite3_column_count(stmt) != 4) {
        sqlite3_finalize(stmt);
        PyErr_SetString(PyExc_ValueError, "the SELECT must give (bucket, activity, document, ms)");
        return NULL;
    }
    if (bind_params(stmt, params) < 0) {
        sqlite3_finalize(stmt);
        return NULL;
    }
    Table t;
    int rc = SQLITE_ROW, failed = 0;
    if (table_init(&t, 4096) < 0) {
        table_free(&t);
        sqlite3_finalize(stmt);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t d = sqlite3_column_type(stmt, 2) == SQLITE_NULL ? 0 : sqlite3_column_int64(stmt, 2);
        if (table_add(&t, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1), d,
                      sqlite3_column_int64(stmt, 3)) < 0) {
            failed = 1;
            break;
        }
    }
    Py_END_ALLOW_THREADS;
    if (failed || rc != SQLITE_DONE) {
        if (failed)
            PyErr_NoMemory();
        else
            PyErr_Format(PyExc_RuntimeError, "%s", sqlite3_errmsg(self->db));
        table_free(&t);
        sqlite3_finalize(stmt);
        return NULL;
    }
    sqlite3_finalize(stmt);
    Grouped *g = PyObject_New(Grouped, &GroupedType);
    if (!g) {
        table_free(&t);
        return NULL;
    }
    g->n = 0;
    g->entries = malloc((t.n ? t.n : 1) * sizeof(Entry));
    if (!g->entries) {
        table_free(&t);
        Py_DECREF(g);
        return PyErr_NoMemory();
    }
    for (size_t i = 0; i < t.cap; i++)
        if (t.used[i])
            g->entries[g->n++] = t.slots[i];
    table_free(&t);
    return (PyObject *)g;
}

static PyMethodDef Reader_methods[] = {
    {"group", (PyCFunction)Reader_group, METH_VARARGS,
     "group(sql, params) -> Grouped: sums a SELECT's (bucket, activity, document, ms) rows."},
    {NULL},
};

static PyTypeObject ReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "selftime._documents.Reader",
    .tp_basicsize = sizeof(Reader),
    .tp_dealloc = (destructor)Reader_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Reader(path, busy_timeout_ms=10000): a read-only connection to a SQLite database.",
    .tp_methods = Reader_methods,
    .tp_init = (initproc)Reader_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "selftime._documents", "Document reports summed and ordered without Python rows.", -1, NULL,
};

PyMODINIT_FUNC PyInit__documents(void) {
    if (PyType_Ready(&ReaderType) < 0 || PyType_Ready(&GroupedType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&ReaderType);
    Py_INCREF(&GroupedType);
    if (PyModule_AddObject(m, "Reader", (PyObject *)&ReaderType) < 0 ||
        PyModule_AddObject(m, "Grouped", (PyObject *)&GroupedType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
