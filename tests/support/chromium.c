/* SPDX-License-Identifier: Apache-2.0 */
/* Headless Chromium over the DevTools pipe protocol; see chromium.h. */
#define _XOPEN_SOURCE 700   /* realpath */
#include "chromium.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

/* No single protocol step may take longer (a loaded CI machine starts Chromium slowly). This
 * is a hang guard, not a timing check. */
#define STEP_SECONDS 90

/* Viewports: a desktop window, a phone (CSS px, mobile emulation), and the text width of an
 * A4 page with 10 mm margins at 96 px per inch (190 mm). */
static const int view_w[QVT_VIEW_COUNT] = { 1024, 360, 718 };
static const int view_h[QVT_VIEW_COUNT] = { 800, 740, 1000 };

struct qvt_browser {
    pid_t pid;
    int to_fd, from_fd;          /* we write commands to to_fd, read messages from from_fd */
    char *profile;               /* temporary --user-data-dir */
    char *buf;                   /* bytes read and not yet consumed */
    size_t len, cap;
    int next_id;
    /* The page being checked */
    const char *session;
    char page_url[PATH_MAX + 16];
    bool loaded;
    struct qvt_page_report *rep;
};

bool qvt_chromium_find(char *buf, size_t size)
{
    const char *env = getenv("QVET_CHROMIUM");
    if (env && env[0]) {
        if (access(env, X_OK) != 0)
            return false;
        snprintf(buf, size, "%s", env);
        return true;
    }
    const char *path = getenv("PATH");
    static const char *const names[] = { "chromium", "chromium-browser" };
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        const char *p = path ? path : "/usr/bin:/bin";
        while (*p) {
            size_t l = strcspn(p, ":");
            snprintf(buf, size, "%.*s/%s", (int)l, p, names[n]);
            if (l > 0 && access(buf, X_OK) == 0)
                return true;
            p += l + (p[l] == ':');
        }
    }
    return false;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void set_err(char *errbuf, size_t errsize, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errsize, fmt, ap);
    va_end(ap);
}

struct qvt_browser *qvt_browser_start(const char *chromium, char *errbuf, size_t errsize)
{
    int to[2] = { -1, -1 }, from[2] = { -1, -1 };
    struct qvt_browser *b = calloc(1, sizeof(*b));
    if (!b) {
        set_err(errbuf, errsize, "out of memory");
        return NULL;
    }
    b->pid = -1;
    b->to_fd = b->from_fd = -1;
    /* Not qvt_tmpdir: this also runs outside Check (tests/tools/report_shot.c). */
    const char *base = getenv("TMPDIR");
    size_t pl = strlen(base && base[0] ? base : "/tmp") + 32;
    b->profile = malloc(pl);
    if (!b->profile) {
        set_err(errbuf, errsize, "out of memory");
        goto fail;
    }
    snprintf(b->profile, pl, "%s/qvet-chromium-XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(b->profile)) {
        set_err(errbuf, errsize, "mkdtemp: %s", strerror(errno));
        free(b->profile);
        b->profile = NULL;
        goto fail;
    }
    if (pipe(to) != 0 || pipe(from) != 0) {
        set_err(errbuf, errsize, "pipe: %s", strerror(errno));
        goto fail;
    }
    char profile_arg[PATH_MAX + 32], log_path[PATH_MAX + 32];
    snprintf(profile_arg, sizeof(profile_arg), "--user-data-dir=%s", b->profile);
    snprintf(log_path, sizeof(log_path), "%s/chromium.log", b->profile);
    b->pid = fork();
    if (b->pid < 0) {
        set_err(errbuf, errsize, "fork: %s", strerror(errno));
        goto fail;
    }
    if (b->pid == 0) {
        /* Child: its own process group (ended as a whole), fds 3 and 4 for the protocol. */
        setpgid(0, 0);
        int in = fcntl(to[0], F_DUPFD, 10), out = fcntl(from[1], F_DUPFD, 10);
        if (in < 0 || out < 0 || dup2(in, 3) != 3 || dup2(out, 4) != 4)
            _exit(127);
        for (int fd = 5; fd < 1024; fd++)
            close(fd);
        int null = open("/dev/null", O_RDONLY);
        int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (null >= 0)
            dup2(null, 0);
        if (log >= 0) {
            dup2(log, 1);
            dup2(log, 2);
        }
        const char *argv[24];
        int a = 0;
        argv[a++] = chromium;
        argv[a++] = "--headless";
        if (geteuid() == 0)
            argv[a++] = "--no-sandbox";   /* Chromium refuses to run as root with its sandbox */
        argv[a++] = "--disable-gpu";
        argv[a++] = "--disable-dev-shm-usage";
        argv[a++] = "--remote-debugging-pipe";
        argv[a++] = profile_arg;
        argv[a++] = "--no-first-run";
        argv[a++] = "--no-default-browser-check";
        argv[a++] = "--disable-background-networking";
        argv[a++] = "--disable-component-update";
        argv[a++] = "--disable-sync";
        argv[a++] = "--disable-extensions";
        argv[a++] = "--disable-default-apps";
        argv[a++] = "--mute-audio";
        argv[a++] = "--hide-scrollbars";
        argv[a++] = "about:blank";
        argv[a] = NULL;
        execv(chromium, (char *const *)argv);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    b->to_fd = to[1];
    b->from_fd = from[0];
    signal(SIGPIPE, SIG_IGN);
    return b;
fail:
    for (int i = 0; i < 2; i++) {
        if (to[i] >= 0)
            close(to[i]);
        if (from[i] >= 0)
            close(from[i]);
    }
    qvt_browser_stop(b);
    return NULL;
}

void qvt_browser_stop(struct qvt_browser *b)
{
    if (!b)
        return;
    if (b->to_fd >= 0) {
        const char *msg = "{\"id\":999999,\"method\":\"Browser.close\"}";
        if (write(b->to_fd, msg, strlen(msg) + 1) < 0) {
            /* already gone */
        }
        close(b->to_fd);
    }
    if (b->pid > 0) {
        double end = now_s() + 10;
        int status;
        while (waitpid(b->pid, &status, WNOHANG) == 0) {
            if (now_s() > end) {
                kill(-b->pid, SIGKILL);   /* the group this browser started in */
                waitpid(b->pid, &status, 0);
                break;
            }
            nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
        }
        kill(-b->pid, SIGKILL);           /* helpers left behind by the browser, if any */
    }
    if (b->from_fd >= 0)
        close(b->from_fd);
    if (b->profile) {
        qvt_rmtree(b->profile);
        free(b->profile);
    }
    free(b->buf);
    free(b);
}

/* ---- protocol -------------------------------------------------------------------------------- */

static bool send_msg(struct qvt_browser *b, cJSON *msg, char *errbuf, size_t errsize)
{
    char *text = cJSON_PrintUnformatted(msg);
    if (!text) {
        set_err(errbuf, errsize, "out of memory");
        return false;
    }
    size_t n = strlen(text) + 1, off = 0;   /* the NUL terminates the message */
    while (off < n) {
        ssize_t w = write(b->to_fd, text + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            set_err(errbuf, errsize, "writing to Chromium: %s", strerror(errno));
            free(text);
            return false;
        }
        off += (size_t)w;
    }
    free(text);
    return true;
}

/* Next whole message (malloc'd JSON text), waiting until deadline. */
static char *read_msg(struct qvt_browser *b, double deadline, char *errbuf, size_t errsize)
{
    for (;;) {
        char *nul = b->len ? memchr(b->buf, '\0', b->len) : NULL;
        if (nul) {
            size_t l = (size_t)(nul - b->buf);
            char *m = malloc(l + 1);
            if (!m) {
                set_err(errbuf, errsize, "out of memory");
                return NULL;
            }
            memcpy(m, b->buf, l + 1);
            memmove(b->buf, nul + 1, b->len - l - 1);
            b->len -= l + 1;
            return m;
        }
        double left = deadline - now_s();
        if (left <= 0) {
            set_err(errbuf, errsize, "Chromium did not answer within %d s", STEP_SECONDS);
            return NULL;
        }
        struct pollfd pfd = { .fd = b->from_fd, .events = POLLIN };
        int pr = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        if (b->cap - b->len < 65536) {
            size_t cap = b->cap ? b->cap * 2 : 1 << 20;
            char *nb = realloc(b->buf, cap);
            if (!nb) {
                set_err(errbuf, errsize, "out of memory");
                return NULL;
            }
            b->buf = nb;
            b->cap = cap;
        }
        ssize_t r = read(b->from_fd, b->buf + b->len, b->cap - b->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            /* Chromium is gone: say why with the end of its own log. */
            char log_path[PATH_MAX + 32], tail[600] = "";
            snprintf(log_path, sizeof(log_path), "%s/chromium.log", b->profile);
            FILE *lf = fopen(log_path, "rb");
            if (lf) {
                if (fseek(lf, -(long)(sizeof(tail) - 1), SEEK_END) != 0)
                    rewind(lf);
                size_t n = fread(tail, 1, sizeof(tail) - 1, lf);
                tail[n] = '\0';
                fclose(lf);
            }
            set_err(errbuf, errsize, "Chromium closed the pipe; the end of its log:\n%s", tail);
            return NULL;
        }
        b->len += (size_t)r;
    }
}

static void add_problem(struct qvt_page_report *rep, const char *kind, const char *text)
{
    size_t l = strlen(rep->problems);
    if (l + 80 < sizeof(rep->problems))
        snprintf(rep->problems + l, sizeof(rep->problems) - l, "%s: %.300s\n", kind,
                 text ? text : "");
}

/* Events of the page being checked. */
static void on_event(struct qvt_browser *b, const cJSON *m)
{
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
    const cJSON *session = cJSON_GetObjectItemCaseSensitive(m, "sessionId");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    if (!cJSON_IsString(method) || !b->rep || !b->session || !cJSON_IsString(session) ||
        strcmp(session->valuestring, b->session) != 0)
        return;
    const char *name = method->valuestring;
    struct qvt_page_report *rep = b->rep;
    if (strcmp(name, "Page.loadEventFired") == 0) {
        b->loaded = true;
    } else if (strcmp(name, "Runtime.consoleAPICalled") == 0) {
        rep->console_messages++;
        add_problem(rep, "console", cJSON_GetStringValue(
                        cJSON_GetObjectItemCaseSensitive(params, "type")));
    } else if (strcmp(name, "Runtime.exceptionThrown") == 0) {
        rep->console_messages++;
        add_problem(rep, "exception", "uncaught exception");
    } else if (strcmp(name, "Log.entryAdded") == 0) {
        const cJSON *entry = cJSON_GetObjectItemCaseSensitive(params, "entry");
        const char *level = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "level"));
        if (level && (strcmp(level, "error") == 0 || strcmp(level, "warning") == 0)) {
            rep->log_problems++;
            add_problem(rep, level, cJSON_GetStringValue(
                            cJSON_GetObjectItemCaseSensitive(entry, "text")));
        }
    } else if (strcmp(name, "Network.requestWillBeSent") == 0) {
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(params, "request");
        const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "url"));
        if (!url || strcmp(url, b->page_url) != 0) {
            rep->outside_requests++;
            add_problem(rep, "request", url);
        }
    }
}

/* Sends a command and waits for its answer; returns the "result" object (owned by *ret_msg,
 * which the caller deletes). Events that arrive meanwhile go to on_event. */
static const cJSON *call(struct qvt_browser *b, const char *session, const char *method,
                         cJSON *params, cJSON **ret_msg, char *errbuf, size_t errsize)
{
    cJSON *msg = cJSON_CreateObject();
    int id = ++b->next_id;
    cJSON_AddNumberToObject(msg, "id", id);
    cJSON_AddStringToObject(msg, "method", method);
    cJSON_AddItemToObject(msg, "params", params ? params : cJSON_CreateObject());
    if (session)
        cJSON_AddStringToObject(msg, "sessionId", session);
    bool ok = send_msg(b, msg, errbuf, errsize);
    cJSON_Delete(msg);
    if (!ok)
        return NULL;
    double deadline = now_s() + STEP_SECONDS;
    for (;;) {
        char *text = read_msg(b, deadline, errbuf, errsize);
        if (!text)
            return NULL;
        cJSON *m = cJSON_Parse(text);
        free(text);
        if (!m)
            continue;
        const cJSON *mid = cJSON_GetObjectItemCaseSensitive(m, "id");
        if (!cJSON_IsNumber(mid)) {
            on_event(b, m);
            cJSON_Delete(m);
            continue;
        }
        if ((int)mid->valuedouble != id) {
            cJSON_Delete(m);
            continue;
        }
        const cJSON *error = cJSON_GetObjectItemCaseSensitive(m, "error");
        if (error) {
            set_err(errbuf, errsize, "%s failed: %s", method, cJSON_GetStringValue(
                        cJSON_GetObjectItemCaseSensitive(error, "message")));
            cJSON_Delete(m);
            return NULL;
        }
        *ret_msg = m;
        return cJSON_GetObjectItemCaseSensitive(m, "result");
    }
}

/* A command whose answer is not needed. */
static bool call0(struct qvt_browser *b, const char *session, const char *method, cJSON *params,
                  char *errbuf, size_t errsize)
{
    cJSON *m = NULL;
    bool ok = call(b, session, method, params, &m, errbuf, errsize) != NULL;
    cJSON_Delete(m);
    return ok;
}

/* Evaluates a numeric JavaScript expression in the page (DevTools evaluation is not subject
 * to the page's Content-Security-Policy; the page itself runs no script). */
static bool eval_number(struct qvt_browser *b, const char *expr, double *ret, char *errbuf,
                        size_t errsize)
{
    cJSON *p = cJSON_CreateObject(), *m = NULL;
    cJSON_AddStringToObject(p, "expression", expr);
    cJSON_AddBoolToObject(p, "returnByValue", true);
    const cJSON *res = call(b, b->session, "Runtime.evaluate", p, &m, errbuf, errsize);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(res, "result"), "value");
    bool ok = cJSON_IsNumber(v);
    if (ok)
        *ret = v->valuedouble;
    else if (res)
        set_err(errbuf, errsize, "'%s' gave no number", expr);
    cJSON_Delete(m);
    return ok;
}

static bool set_view(struct qvt_browser *b, enum qvt_view v, int height, char *errbuf,
                     size_t errsize)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "width", view_w[v]);
    cJSON_AddNumberToObject(p, "height", height > 0 ? height : view_h[v]);
    cJSON_AddNumberToObject(p, "deviceScaleFactor", 1);
    cJSON_AddBoolToObject(p, "mobile", v == QVT_VIEW_PHONE);
    if (!call0(b, b->session, "Emulation.setDeviceMetricsOverride", p, errbuf, errsize))
        return false;
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "media", v == QVT_VIEW_PRINT ? "print" : "screen");
    return call0(b, b->session, "Emulation.setEmulatedMedia", p, errbuf, errsize);
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : (c == '/' ? 63 : -1);
}

static bool write_base64(const char *b64, const char *path, char *errbuf, size_t errsize)
{
    size_t n = strlen(b64), o = 0;
    unsigned char *out = malloc(n / 4 * 3 + 3);
    uint32_t acc = 0;
    int bits = 0;
    if (!out) {
        set_err(errbuf, errsize, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)b64[i]);
        if (v < 0)
            continue;   /* '=' padding */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    FILE *fp = fopen(path, "wb");
    bool ok = fp && fwrite(out, 1, o, fp) == o;
    if (fp && fclose(fp) != 0)
        ok = false;
    if (!ok)
        set_err(errbuf, errsize, "cannot write '%s'", path);
    free(out);
    return ok;
}

static bool screenshot(struct qvt_browser *b, const char *png_path, char *errbuf, size_t errsize)
{
    double h = 0;
    if (!set_view(b, QVT_VIEW_DESKTOP, 0, errbuf, errsize) ||
        !eval_number(b, "document.documentElement.scrollHeight", &h, errbuf, errsize) ||
        !set_view(b, QVT_VIEW_DESKTOP, (int)h, errbuf, errsize))
        return false;
    cJSON *p = cJSON_CreateObject(), *m = NULL;
    cJSON_AddStringToObject(p, "format", "png");
    const cJSON *res = call(b, b->session, "Page.captureScreenshot", p, &m, errbuf, errsize);
    const char *data = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "data"));
    bool ok = data && write_base64(data, png_path, errbuf, errsize);
    if (res && !data)
        set_err(errbuf, errsize, "Page.captureScreenshot gave no data");
    cJSON_Delete(m);
    return ok;
}

bool qvt_browser_check(struct qvt_browser *b, const char *html_path, const char *png_path,
                       struct qvt_page_report *ret, char *errbuf, size_t errsize)
{
    char abs[PATH_MAX], session[128] = "";
    cJSON *m = NULL;
    bool ok = false;
    memset(ret, 0, sizeof(*ret));
    if (!realpath(html_path, abs)) {
        set_err(errbuf, errsize, "'%s': %s", html_path, strerror(errno));
        return false;
    }
    snprintf(b->page_url, sizeof(b->page_url), "file://%s", abs);
    b->rep = ret;
    b->loaded = false;
    b->session = NULL;

    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "url", "about:blank");
    const cJSON *res = call(b, NULL, "Target.createTarget", p, &m, errbuf, errsize);
    const char *target = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "targetId"));
    char target_id[128];
    snprintf(target_id, sizeof(target_id), "%s", target ? target : "");
    cJSON_Delete(m);
    m = NULL;
    if (!target)
        goto done;
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "targetId", target_id);
    cJSON_AddBoolToObject(p, "flatten", true);
    res = call(b, NULL, "Target.attachToTarget", p, &m, errbuf, errsize);
    const char *sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "sessionId"));
    snprintf(session, sizeof(session), "%s", sid ? sid : "");
    cJSON_Delete(m);
    m = NULL;
    if (!sid)
        goto done;
    b->session = session;
    static const char *const domains[] = { "Page.enable", "Runtime.enable", "Log.enable",
                                           "Network.enable" };
    for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
        if (!call0(b, session, domains[i], NULL, errbuf, errsize))
            goto done;
    if (!set_view(b, QVT_VIEW_DESKTOP, 0, errbuf, errsize))
        goto done;
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "url", b->page_url);
    if (!call0(b, session, "Page.navigate", p, errbuf, errsize))
        goto done;
    double deadline = now_s() + STEP_SECONDS;
    while (!b->loaded) {
        char *text = read_msg(b, deadline, errbuf, errsize);
        if (!text)
            goto done;
        cJSON *ev = cJSON_Parse(text);
        free(text);
        if (ev)
            on_event(b, ev);
        cJSON_Delete(ev);
    }
    for (int v = 0; v < QVT_VIEW_COUNT; v++) {
        double sw = 0, cw = 0;
        if (!set_view(b, (enum qvt_view)v, 0, errbuf, errsize) ||
            !eval_number(b, "document.documentElement.scrollWidth", &sw, errbuf, errsize) ||
            !eval_number(b, "document.documentElement.clientWidth", &cw, errbuf, errsize))
            goto done;
        ret->scroll_width[v] = (int)sw;
        ret->view_width[v] = (int)cw;
    }
    double h = 0;
    if (!set_view(b, QVT_VIEW_DESKTOP, 0, errbuf, errsize) ||
        !eval_number(b, "document.documentElement.scrollHeight", &h, errbuf, errsize))
        goto done;
    ret->page_height = (int)h;
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "expression", "document.title");
    cJSON_AddBoolToObject(p, "returnByValue", true);
    res = call(b, session, "Runtime.evaluate", p, &m, errbuf, errsize);
    const char *title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(res, "result"), "value"));
    snprintf(ret->title, sizeof(ret->title), "%s", title ? title : "");
    cJSON_Delete(m);
    m = NULL;
    if (!res)
        goto done;
    if (png_path && !screenshot(b, png_path, errbuf, errsize))
        goto done;
    ok = true;
done:
    b->session = NULL;
    if (target_id[0]) {
        p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "targetId", target_id);
        char e2[256];
        call0(b, NULL, "Target.closeTarget", p, e2, sizeof(e2));
    }
    b->rep = NULL;
    return ok;
}
