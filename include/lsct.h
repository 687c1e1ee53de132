/* lsct.h - the project's small macros: array length, attributes. */
#ifndef LSCT_LSCT_H
#define LSCT_LSCT_H

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* Argument fmt is a printf format, checked against the arguments from args. */
#define LSCT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define LSCT_NORETURN __attribute__((noreturn))

#endif
