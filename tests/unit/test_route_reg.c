/* The route registry: numbers for routed flows' clients and NAT. */
#include "testutil.h"

#include "lsct.h"
#include "route_reg.h"

static struct flow_route route(const char *client, unsigned nat, const char *dnat,
			       unsigned dport, const char *snat)
{
	struct flow_route r;

	memset(&r, 0, sizeof r);
	r.family = strchr(client, ':') ? AF_INET6 : AF_INET;
	r.client = tu_addr(client);
	r.nat = (uint8_t)nat;
	if (dnat)
		r.dnat = tu_addr(dnat);
	r.dnat_port = (uint16_t)dport;
	if (snat)
		r.snat = tu_addr(snat);
	return r;
}

static void test_intern_same_and_different(void **state)
{
	struct route_reg *reg = route_reg_new(0);
	struct flow_route a = route("192.168.1.5", 0, NULL, 0, NULL);
	struct flow_route b = route("192.168.1.5", ROUTE_DNAT, "10.0.1.10", 8443, NULL);
	struct flow_route c = route("192.168.1.5", ROUTE_DNAT, "10.0.1.10", 8444, NULL);
	struct flow_route d = route("fd00::5", ROUTE_SNAT, NULL, 0, "fd00::1");
	struct flow_route out;
	uint32_t ia, ib, ic, id;

	ia = route_reg_intern(reg, &a);
	ib = route_reg_intern(reg, &b);
	ic = route_reg_intern(reg, &c);
	id = route_reg_intern(reg, &d);
	assert_int_equal(ia, 1);
	assert_true(ib != ia && ic != ib && id != ic && id != ia);
	assert_int_equal(route_reg_intern(reg, &a), ia);
	assert_int_equal(route_reg_intern(reg, &c), ic);
	assert_int_equal(route_reg_count(reg), 4);
	assert_int_equal(route_reg_get(reg, ic, &out), 0);
	assert_memory_equal(&out, &c, sizeof out);
	assert_int_equal(route_reg_get(reg, id, &out), 0);
	assert_int_equal(out.family, AF_INET6);
	assert_int_equal(route_reg_get(reg, 0, &out), -1);
	assert_int_equal(route_reg_get(reg, 5, &out), -1);
	route_reg_free(reg);
}

/* Many routes: the index grows, every number keeps its route. */
static void test_grow(void **state)
{
	enum { N = 5000 };
	struct route_reg *reg = route_reg_new(0);
	struct flow_route r, out;

	for (uint32_t i = 0; i < N; i++) {
		r = route("10.0.0.0", 0, NULL, 0, NULL);
		r.client.b[2] = (uint8_t)(i >> 8);
		r.client.b[3] = (uint8_t)i;
		assert_int_equal(route_reg_intern(reg, &r), i + 1);
	}
	for (uint32_t i = 0; i < N; i++) {
		r = route("10.0.0.0", 0, NULL, 0, NULL);
		r.client.b[2] = (uint8_t)(i >> 8);
		r.client.b[3] = (uint8_t)i;
		assert_int_equal(route_reg_intern(reg, &r), i + 1);
		assert_int_equal(route_reg_get(reg, i + 1, &out), 0);
		assert_memory_equal(&out, &r, sizeof out);
	}
	assert_int_equal(route_reg_count(reg), N);
	route_reg_free(reg);
}

/* At the limit a new route gets 0; known ones keep their numbers. */
static void test_limit(void **state)
{
	struct route_reg *reg = route_reg_new(2);
	struct flow_route a = route("192.168.1.1", 0, NULL, 0, NULL);
	struct flow_route b = route("192.168.1.2", 0, NULL, 0, NULL);
	struct flow_route c = route("192.168.1.3", 0, NULL, 0, NULL);

	assert_int_equal(route_reg_intern(reg, &a), 1);
	assert_int_equal(route_reg_intern(reg, &b), 2);
	assert_int_equal(route_reg_intern(reg, &c), 0);
	assert_int_equal(route_reg_intern(reg, &a), 1);
	assert_int_equal(route_reg_count(reg), 2);
	route_reg_free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_same_and_different),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests_name("route_reg", tests, NULL, NULL);
}
