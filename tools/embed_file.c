/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Build-time helper: embed_file INPUT OUTPUT SYMBOL writes OUTPUT, a C file defining
 * `const char SYMBOL[]` (INPUT's bytes plus a terminating NUL) and `const size_t SYMBOL_len`
 * (the byte count without the NUL), so the installed binary needs no data files. The output is
 * written to OUTPUT.tmp and renamed into place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: embed_file INPUT OUTPUT SYMBOL\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        fprintf(stderr, "embed_file: cannot open %s\n", argv[1]);
        return 2;
    }
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]) >= sizeof(tmp)) {
        fclose(in);
        return 2;
    }
    FILE *out = fopen(tmp, "wb");
    if (!out) {
        fclose(in);
        fprintf(stderr, "embed_file: cannot write %s\n", tmp);
        return 2;
    }
    fprintf(out, "/* Generated from %s by tools/embed_file.c. */\n#include <stddef.h>\n\n"
                 "const char %s[] = {", argv[1], argv[3]);
    size_t n = 0;
    int c;
    while ((c = fgetc(in)) != EOF) {
        fprintf(out, "%s0x%02x,", n % 16 ? " " : "\n    ", (unsigned)c);
        n++;
    }
    fprintf(out, "%s0x00\n};\nconst size_t %s_len = %zu;\n", n % 16 ? " " : "\n    ", argv[3], n);
    int bad = ferror(in) || ferror(out);
    fclose(in);
    if (fclose(out) != 0 || bad || rename(tmp, argv[2]) != 0) {
        remove(tmp);
        fprintf(stderr, "embed_file: failed writing %s\n", argv[2]);
        return 2;
    }
    return 0;
}
