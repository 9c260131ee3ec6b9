/* SPDX-License-Identifier: Apache-2.0 */
#include "quant_cases.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Copies field k (0-based, '|' separated) of line into out, trimmed. */
static bool field(const char *line, int k, char *out, size_t size)
{
    const char *p = line;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '|');
        if (!p)
            return false;
        p++;
    }
    const char *end = strchr(p, '|');
    if (!end)
        end = p + strlen(p);
    while (p < end && *p == ' ')
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\n'))
        end--;
    if ((size_t)(end - p) >= size)
        return false;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return true;
}

struct qvt_quant_case *qvt_quant_cases(int *ret_n)
{
    char *text = qvt_read_file(qvt_fixture("hostile/quant/cases.txt"), NULL);
    ck_assert_msg(text != NULL, "missing tests/fixtures/hostile/quant/cases.txt");
    int cap = 512, n = 0;
    struct qvt_quant_case *cases = calloc((size_t)cap, sizeof(*cases));
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!line[0] || line[0] == '#')
            continue;
        if (n == cap) {
            cap *= 2;
            cases = realloc(cases, (size_t)cap * sizeof(*cases));
        }
        struct qvt_quant_case *c = &cases[n];
        memset(c, 0, sizeof(*c));
        char code[16], tensor[512], value[64];
        bool ok = field(line, 0, code, sizeof(code)) && field(line, 1, c->file, sizeof(c->file)) &&
                  field(line, 2, tensor, sizeof(tensor)) &&
                  field(line, 3, c->field, sizeof(c->field)) &&
                  field(line, 4, value, sizeof(value)) && field(line, 5, c->args, sizeof(c->args));
        ck_assert_msg(ok, "cases.txt: malformed line '%s'", line);
        c->exit_code = atoi(code);
        char *q1 = strchr(tensor, '\''), *q2 = q1 ? strrchr(tensor, '\'') : NULL;
        ck_assert_msg(sscanf(tensor, "tensor %d", &c->tensor) == 1 && q1 && q2 > q1,
                      "cases.txt: tensor field '%s'", tensor);
        snprintf(c->name, sizeof(c->name), "%.*s", (int)(q2 - q1 - 1), q1 + 1);
        c->is_scale = strncmp(c->field, "scale", 5) == 0;
        c->value = strtod(value, NULL);   /* "nan", "inf", "-inf" included */
        c->prepare_time = strstr(c->file, "multiplier") != NULL;
        n++;
    }
    free(text);
    ck_assert_int_gt(n, 0);
    *ret_n = n;
    return cases;
}

bool qvt_quant_message_ok(const struct qvt_quant_case *c, const char *msg)
{
    char who[320];
    snprintf(who, sizeof(who), "tensor %d ('%s'): %s", c->tensor, c->name, c->field);
    const char *p = strstr(msg, who);
    if (!p)
        return false;
    p = strstr(p, " = ");
    if (!p)
        return false;
    double got = strtod(p + 3, NULL);
    if (isnan(c->value))
        return isnan(got);
    if (isinf(c->value))
        return got == c->value;
    return fabs(got - c->value) <= 1e-5 * fabs(c->value);
}
