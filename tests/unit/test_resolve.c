/* resolve.c: reverse lookups on worker threads, and the bounded cache. */
#include "testutil.h"

#include <netdb.h>
#include <time.h>

#include "resolve.h"

/*
 * The name this machine's resolver gives 127.0.0.1 (NULL for none), asked
 * here directly: the tests compare with it instead of assuming /etc/hosts.
 */
static const char *lo_name(void)
{
	static char host[NI_MAXHOST];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, NULL, 0,
			NI_NAMEREQD) != 0)
		return NULL;
	return host;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_resolver(void **state)
{
	struct resolver *r = resolver_new(4, 0);
	struct ct_addr lo = tu_addr("127.0.0.1");
	struct ct_addr doc = tu_addr("192.0.2.1");
	const char *name, *want = lo_name();
	double t0;
	size_t left;

	/* Nothing queued: no wait at all. */
	assert_int_equal(resolver_wait(r, 5.0), 0);
	assert_null(resolver_name(r, AF_INET, &lo));
	resolver_want(r, AF_INET, &lo);
	resolver_want(r, AF_INET, &lo);
	assert_int_equal(resolver_wait(r, 10.0), 0);
	/* The same name the C library gives (localhost on Debian and Ubuntu). */
	name = resolver_name(r, AF_INET, &lo);
	if (want)
		assert_string_equal(name, want);
	else
		assert_null(name);
	/* A zero wait returns at once, with the one lookup queued at most. */
	resolver_want(r, AF_INET, &doc);
	t0 = now();
	left = resolver_wait(r, 0);
	assert_true(now() - t0 < 0.5);
	assert_true(left <= 1);
	/* Given time, it finishes. */
	assert_int_equal(resolver_wait(r, 10.0), 0);
	resolver_free(r);
}

/* A bounded cache drops finished names instead of growing. */
static void test_resolver_bounded(void **state)
{
	struct resolver *r = resolver_new(2, 1);
	struct ct_addr lo = tu_addr("127.0.0.1");
	struct ct_addr lo6 = tu_addr("::1");
	const char *want = lo_name();

	(void)state;
	if (!want)
		skip();		/* the cache test needs a name for 127.0.0.1 */
	resolver_want(r, AF_INET, &lo);
	assert_int_equal(resolver_wait(r, 10.0), 0);
	assert_string_equal(resolver_name(r, AF_INET, &lo), want);
	assert_int_equal(resolver_cached(r), 1);
	/* A second peer: the finished first one goes. */
	resolver_want(r, AF_INET6, &lo6);
	assert_int_equal(resolver_cached(r), 1);
	assert_null(resolver_name(r, AF_INET, &lo));
	assert_int_equal(resolver_wait(r, 10.0), 0);
	/* Wanted again, it is asked again. */
	resolver_want(r, AF_INET, &lo);
	assert_int_equal(resolver_cached(r), 1);
	assert_int_equal(resolver_wait(r, 10.0), 0);
	assert_string_equal(resolver_name(r, AF_INET, &lo), want);
	resolver_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolver_bounded),
		cmocka_unit_test(test_resolver),
	};

	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
