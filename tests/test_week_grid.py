"""The interpreter's week grid: whole-hour cells in, weekly windows out, and a
save never rounds off the times of a day the interpreter did not change."""

from scheduling.week_grid import cells_from_windows, weekly_after_edit, windows_from_cells

ADMIN_SET = [{"days": ["mon", "tue"], "from": "09:30", "to": "17:00"}]


def test_ticked_hours_become_one_window_per_run_shared_by_days():
    cells = {(0, 9), (0, 10), (2, 9), (2, 10)}
    assert windows_from_cells(cells) == [{"days": ["mon", "wed"], "from": "09:00", "to": "11:00"}]


def test_a_save_that_changes_nothing_keeps_half_hours_exactly():
    shown = cells_from_windows(ADMIN_SET)  # 10:00-17:00 shown, 09:30 can't be
    assert weekly_after_edit(ADMIN_SET, shown) == ADMIN_SET


def test_only_the_changed_day_takes_the_grids_whole_hours():
    cells = cells_from_windows(ADMIN_SET) | {(1, 17)}  # Tuesday: also 17:00-18:00
    assert weekly_after_edit(ADMIN_SET, cells) == [
        {"days": ["mon"], "from": "09:30", "to": "17:00"},
        {"days": ["tue"], "from": "10:00", "to": "18:00"},
    ]


def test_unticking_a_whole_day_removes_it():
    cells = {cell for cell in cells_from_windows(ADMIN_SET) if cell[0] != 0}
    assert weekly_after_edit(ADMIN_SET, cells) == [
        {"days": ["tue"], "from": "09:30", "to": "17:00"}
    ]
