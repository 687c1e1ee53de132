/*
 * lsct.h - the few macros every module may use: array length, printf-style
 * format checking and functions that do not return.  No declarations.
 */
#ifndef LSCT_H
#define LSCT_H

/* Elements of an array (not of a pointer: the compiler cannot tell). */
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* Argument fmt is a printf format checked against the arguments from first on. */
#define LSCT_PRINTF(fmt, first)	__attribute__((format(printf, fmt, first)))

/* The function never returns (exits or aborts). */
#define LSCT_NORETURN	__attribute__((noreturn))

#endif
