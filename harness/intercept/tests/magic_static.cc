// SPDX-License-Identifier: MIT
// A C++ function-local static initialised by whichever of two threads gets
// there first (the ABI's guard: __cxa_guard_acquire/release). Correct: the
// guard's release orders the constructor before every later use. Under
// controlled mode the guard is modelled (a futex wait in libstdc++ would
// stop every fiber), and under dpor its release is a happens-before edge:
// no DATA_RACE, no hang, whatever the schedule.
#include <string>
#include <thread>

struct Conf {
	std::string name;
	int n;
	Conf() : name("settings"), n(42) {}
};

static Conf &conf()
{
	static Conf c;
	return c;
}

int main()
{
	int a = 0, b = 0;
	std::thread t1([&] { a = conf().n; });
	std::thread t2([&] { b = conf().n + (int)conf().name.size() - 8; });

	t1.join();
	t2.join();
	return a + b == 84 ? 0 : 1;
}
