# Stress-mode defects of issue 12 through the command line, label hostile
# (run in the asan build). Each failed before its fix.

# Item 4: a thread that finished its last round was counted done twice, so
# with two of four threads done early the round ended while the other two
# were deadlocked, and the campaign sat in pthread_join until the 60 s kill
# (HANG). At seed 1 several of these 300 trials have two early finishers;
# each is now a DEADLOCK found by the lock polls in milliseconds.
rh_cli_test(hostile.stress.abba_of_four STATUS 1 LABELS "hostile;stress;lockorder"
  MATCH "VIOLATION DEADLOCK" "outcomes: clean [0-9]+, DEADLOCK [0-9]+$"
  NO_MATCH "HANG" "harness limit"
  ARGS run lockorder.abba --variant buggy --threads 4 --trials 300 --seed 1)
set_tests_properties(hostile.stress.abba_of_four PROPERTIES TIMEOUT 120)
