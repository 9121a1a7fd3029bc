/* The racehunt binary: the command line with every reference store linked in. */
#include "racehunt/cli.h"

int main(int argc, char **argv)
{
	return rh_main(argc, argv);
}
