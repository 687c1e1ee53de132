/* Command-line parsing: the Go original's spellings, bundles, errors. */
#include "testutil.h"

#include "cli.h"
#include "flow.h"

static int parse(struct cli_opts *o, char *err, size_t errlen, ...)
{
	static char store[32][64];
	char *argv[32];
	int argc = 0;
	va_list ap;
	const char *a;

	snprintf(store[0], sizeof store[0], "lsconntrack");
	argv[argc] = store[argc];
	argc++;
	va_start(ap, errlen);
	while ((a = va_arg(ap, const char *)) != NULL) {
		snprintf(store[argc], sizeof store[argc], "%s", a);
		argv[argc] = store[argc];
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	cli_fini(o);
	cli_init(o);
	err[0] = '\0';
	return cli_parse(o, argc, argv, err, errlen);
}

static void test_defaults(void **state)
{
	struct cli_opts o;
	char err[256];

	cli_init(&o);
	assert_int_equal(parse(&o, err, sizeof err, NULL), 0);
	assert_int_equal(o.action, CLI_RUN);
	assert_int_equal(o.source, CLI_SRC_NETLINK);
	assert_int_equal(o.dirs, VIEW_ACTIVE | VIEW_PASSIVE);
	assert_int_equal(o.protos, FLOW_PROTO_TCP);
	assert_int_equal(o.families, FLOW_FAM_V4 | FLOW_FAM_V6);
	assert_int_equal(o.sort, VIEW_SORT_BYTES);
	assert_false(o.numeric);
	assert_false(o.json);
	cli_fini(&o);
}

static void test_go_spellings(void **state)
{
	struct cli_opts o;
	char err[256];

	cli_init(&o);
	/* Go's flag package: one dash or two, "=value" or the next argument. */
	assert_int_equal(parse(&o, err, sizeof err, "-active", "--numeric", "-json", NULL), 0);
	assert_int_equal(o.dirs, VIEW_ACTIVE);
	assert_true(o.numeric);
	assert_true(o.json);
	assert_int_equal(parse(&o, err, sizeof err, "--passive", "-stdin", NULL), 0);
	assert_int_equal(o.dirs, VIEW_PASSIVE);
	assert_int_equal(o.source, CLI_SRC_STDIN);
	assert_int_equal(parse(&o, err, sizeof err, "-a", "-p", NULL), 0);
	assert_int_equal(o.dirs, VIEW_ACTIVE | VIEW_PASSIVE);
	/* -R adds routed flows to what -a and -p choose (both when neither). */
	assert_int_equal(parse(&o, err, sizeof err, "-R", NULL), 0);
	assert_int_equal(o.dirs, VIEW_ACTIVE | VIEW_PASSIVE | VIEW_ROUTED);
	assert_true(o.routed);
	assert_int_equal(parse(&o, err, sizeof err, "--routed", "-a", NULL), 0);
	assert_int_equal(o.dirs, VIEW_ACTIVE | VIEW_ROUTED);
	assert_int_equal(parse(&o, err, sizeof err, "-p", NULL), 0);
	assert_int_equal(o.dirs, VIEW_PASSIVE);
	assert_false(o.routed);
	assert_int_equal(parse(&o, err, sizeof err, "--aport", "3306", "-aport=11211",
			       "--active-port", "80", "--active-ports=81,82", NULL), 0);
	for (unsigned p = 0; p < 65536; p++)
		assert_int_equal(port_filter_match(&o.aport, (uint16_t)p),
				 p == 3306 || p == 11211 || (p >= 80 && p <= 82));
	assert_int_equal(parse(&o, err, sizeof err, "-pport", "80", "--passive-port=443",
			       "--passive-ports", "8000-8099", NULL), 0);
	assert_true(port_filter_match(&o.pport, 8050));
	assert_true(port_filter_match(&o.pport, 443));
	assert_false(port_filter_match(&o.pport, 22));
	assert_int_equal(parse(&o, err, sizeof err, "--json=false", "-n=true", NULL), 0);
	assert_false(o.json);
	assert_true(o.numeric);
	assert_int_equal(parse(&o, err, sizeof err, "-version", NULL), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_int_equal(parse(&o, err, sizeof err, "-v", NULL), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_int_equal(parse(&o, err, sizeof err, "--help", NULL), 0);
	assert_int_equal(o.action, CLI_HELP);
	assert_int_equal(parse(&o, err, sizeof err, "-h", NULL), 0);
	assert_int_equal(o.action, CLI_HELP);
	cli_fini(&o);
}

static void test_new_options(void **state)
{
	struct cli_opts o;
	char err[256];

	cli_init(&o);
	assert_int_equal(parse(&o, err, sizeof err, "-u", NULL), 0);
	assert_int_equal(o.protos, FLOW_PROTO_UDP);
	assert_int_equal(parse(&o, err, sizeof err, "-tun", NULL), 0);
	assert_int_equal(o.protos, FLOW_PROTO_TCP | FLOW_PROTO_UDP);
	assert_true(o.numeric);
	/* all: every protocol conntrack tracks (it was TCP and UDP before). */
	assert_int_equal(parse(&o, err, sizeof err, "--proto", "all", NULL), 0);
	assert_int_equal(o.protos, FLOW_PROTO_ALL);
	assert_true(o.protos & FLOW_PROTO_SCTP);
	assert_true(o.protos & FLOW_PROTO_GRE);
	/* A list; icmp brings icmpv6 along, icmpv6 is only itself; any case. */
	assert_int_equal(parse(&o, err, sizeof err, "--proto", "tcp,sctp,icmp", NULL), 0);
	assert_int_equal(o.protos, FLOW_PROTO_TCP | FLOW_PROTO_SCTP | FLOW_PROTO_ICMP |
				   FLOW_PROTO_ICMPV6);
	assert_int_equal(parse(&o, err, sizeof err, "--proto=ICMPv6,GRE", NULL), 0);
	assert_int_equal(o.protos, FLOW_PROTO_ICMPV6 | FLOW_PROTO_GRE);
	assert_int_equal(parse(&o, err, sizeof err, "--proto", "udplite", "--proto", "dccp",
			       "-t", NULL), 0);
	assert_int_equal(o.protos, FLOW_PROTO_UDPLITE | FLOW_PROTO_DCCP | FLOW_PROTO_TCP);
	assert_int_equal(parse(&o, err, sizeof err, "--proto", "udp", NULL), 0);
	assert_int_equal(o.protos, FLOW_PROTO_UDP);
	assert_int_equal(parse(&o, err, sizeof err, "-6", NULL), 0);
	assert_int_equal(o.families, FLOW_FAM_V6);
	assert_int_equal(parse(&o, err, sizeof err, "-4", "-6", NULL), 0);
	assert_int_equal(o.families, FLOW_FAM_V4 | FLOW_FAM_V6);
	assert_int_equal(parse(&o, err, sizeof err, "-sconns", "-r", NULL), 0);
	assert_int_equal(o.sort, VIEW_SORT_CONNS);
	assert_true(o.reverse);
	assert_int_equal(parse(&o, err, sizeof err, "--sort=peer", NULL), 0);
	assert_int_equal(o.sort, VIEW_SORT_PEER);
	assert_int_equal(parse(&o, err, sizeof err, "--proc", NULL), 0);
	assert_int_equal(o.source, CLI_SRC_PROC);
	assert_null(o.proc_file);
	assert_int_equal(parse(&o, err, sizeof err, "--proc=/tmp/x", NULL), 0);
	assert_string_equal(o.proc_file, "/tmp/x");
	assert_int_equal(parse(&o, err, sizeof err, "--local", "10.0.0.1,fd00::1", "-b",
			       "--dns-timeout", "0.5", "--names", NULL), 0);
	assert_string_equal(o.local, "10.0.0.1,fd00::1");
	assert_true(o.batch);
	assert_true(o.names);
	assert_true(o.dns_timeout > 0.49 && o.dns_timeout < 0.51);
	cli_fini(&o);
}

/* A refused parse: -1, and a message of one non-empty line in err. */
#define REFUSED(...) do { \
	assert_int_equal(parse(&o, err, sizeof err, __VA_ARGS__, NULL), -1); \
	assert_true(err[0] != '\0'); \
	assert_null(strchr(err, '\n')); \
} while (0)

static void test_errors(void **state)
{
	struct cli_opts o;
	char err[256];

	cli_init(&o);
	REFUSED("--bogus");
	assert_string_equal(err, "unknown option '--bogus' (see lsconntrack --help)");
	REFUSED("-x");
	assert_string_equal(err, "unknown option '-x' (see lsconntrack --help)");
	REFUSED("-tx");
	REFUSED("--aport", "70000");
	assert_string_equal(err, "invalid value for --aport: port 70000 is out of range (0-65535)");
	REFUSED("-pport", "abc");
	assert_string_equal(err, "invalid value for -pport: 'abc' is not a port number");
	REFUSED("--aport");
	assert_string_equal(err, "option --aport needs a value");
	REFUSED("--proto", "bogus");
	assert_string_equal(err, "invalid value for --proto: 'bogus' (a list of tcp, udp, "
			    "udplite, sctp, dccp, icmp, icmpv6, gre; or all)");
	REFUSED("--proto", "tcp,");
	REFUSED("--proto", ",tcp");
	REFUSED("--proto", "tcp,,udp");
	REFUSED("--proto", "");
	REFUSED("--proto", "tcp udp");
	REFUSED("--proto", "icmp4");
	REFUSED("--sort", "nope");
	REFUSED("--json=maybe");
	REFUSED("--stdin", "--proc");
	assert_string_equal(err, "--stdin and --proc cannot be used together");
	REFUSED("--dns-timeout", "-1");
	REFUSED("--stdin", "foo", "--json");
	assert_string_equal(err, "unexpected argument 'foo' (see lsconntrack --help)");
	REFUSED("--", "foo");
	assert_int_equal(parse(&o, err, sizeof err, "--", NULL), 0);
	/* --delete: the kernel's table only, printed as it goes, --yes only with it. */
	REFUSED("--delete", "--stdin");
	assert_string_equal(err, "--delete needs the netlink source: it deletes from the "
			    "kernel's table (not --stdin)");
	REFUSED("--proc", "--delete", "--yes");
	assert_string_equal(err, "--delete needs the netlink source: it deletes from the "
			    "kernel's table (not --proc)");
	REFUSED("--delete", "--json");
	assert_string_equal(err, "--delete prints what it deleted: not with --json");
	REFUSED("--delete", "-c", "1");
	assert_string_equal(err, "--delete prints what it deleted: not with -c");
	REFUSED("--yes");
	assert_string_equal(err, "--yes only confirms --delete");
	REFUSED("--delete", "--yes", "--delete=false");
	cli_fini(&o);
}

/* --delete with the filters, and --yes. */
static void test_delete_options(void **state)
{
	struct cli_opts o;
	char err[256];

	(void)state;
	cli_init(&o);
	assert_int_equal(o.del, 0);
	assert_int_equal(o.yes, 0);
	assert_int_equal(parse(&o, err, sizeof err, "-a", "--aport", "53", "-u", "--delete",
			       NULL), 0);
	assert_true(o.del);
	assert_false(o.yes);
	assert_int_equal(o.protos, FLOW_PROTO_UDP);
	assert_int_equal(o.dirs, VIEW_ACTIVE);
	assert_int_equal(parse(&o, err, sizeof err, "--delete", "--yes", "-b", NULL), 0);
	assert_true(o.del);
	assert_true(o.yes);
	cli_fini(&o);
}

/* Arguments quoted in a message have their control bytes escaped. */
static void test_errors_escape_arguments(void **state)
{
	struct cli_opts o;
	char err[256];

	cli_init(&o);
	REFUSED("--bogus\033");
	assert_string_equal(err, "unknown option '--bogus\\x1b' (see lsconntrack --help)");
	REFUSED("--sort", "\033]0;x\a");
	assert_non_null(strstr(err, "'\\x1b]0;x\\x07'"));
	REFUSED("--stdin", "\033[2J");
	assert_string_equal(err, "unexpected argument '\\x1b[2J' (see lsconntrack --help)");
	REFUSED("--aport", "8\a0");
	assert_null(strchr(err, '\a'));
	REFUSED("-c", "\2331");
	assert_non_null(strstr(err, "'\\x9b1'"));
	REFUSED("--json=\033");
	for (const char *c = err; *c; c++)
		assert_true(*c >= 0x20 && *c < 0x7f);
	cli_fini(&o);
}

static void test_usage_mentions_every_option(void **state)
{
	static const char *const names[] = {
		"--active", "--passive", "--aport", "--active-port", "--pport", "--passive-port",
		"--numeric", "--stdin", "--proc", "--json", "--version", "--help", "--tcp",
		"--udp", "--proto", "--ipv4", "--ipv6", "--sort", "--reverse", "--local",
		"--batch", "--names", "--dns-timeout",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_non_null(strstr(cli_usage(), names[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_go_spellings),
		cmocka_unit_test(test_new_options),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_delete_options),
		cmocka_unit_test(test_errors_escape_arguments),
		cmocka_unit_test(test_usage_mentions_every_option),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
