/* out_json.c - the original's JSON array, plus "proto" and "connections". */
#include "out.h"

#include <errno.h>
#include <inttypes.h>

#include "fmt.h"

void out_json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

int out_json_write(FILE *fp, const struct flow *const *rows, size_t n,
		   const struct out_opts *o)
{
	fputc('[', fp);
	for (size_t i = 0; i < n && !ferror(fp); i++) {
		const struct flow *f = rows[i];
		const char *name = o->name_of ?
			o->name_of(o->name_arg, f->key.family, &f->key.peer) : NULL;
		char addr[64], lport[8], pport[8], pb[16];

		fmt_flow_ports(f, lport, pport, sizeof lport);
		if (!name)
			name = ct_addr_str(f->key.family, &f->key.peer, addr, sizeof addr);
		fprintf(fp, "%s{\"direction\":\"%s\",\"local\":{\"addr\":\"localhost\",\"port\":\"%s\"},"
			"\"peer\":{\"addr\":", i ? "," : "",
			f->key.dir == FLOW_ACTIVE ? "active" : "passive", lport);
		out_json_string(fp, name);
		fprintf(fp, ",\"port\":\"%s\"},\"stat\":{\"total_inbound_packets\":%" PRIu64
			",\"total_inbound_bytes\":%" PRIu64 ",\"total_outbound_packets\":%" PRIu64
			",\"total_outbound_bytes\":%" PRIu64 "},\"proto\":\"%s\",\"connections\":%" PRIu64 "}",
			pport, f->c.in_packets, f->c.in_bytes, f->c.out_packets, f->c.out_bytes,
			fmt_proto(f->key.proto, pb, sizeof pb), f->conns);
	}
	fputs("]\n", fp);
	if (fflush(fp) == EOF || ferror(fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
