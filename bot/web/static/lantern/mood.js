/*
 * Lantern's mood summary: what My notes says about the visitor's mood check-ins, in plain
 * words. Pure functions, no DOM: widget.js loads this file when My notes first opens (it
 * is then window.LanternMood), and the unit tests run it in Node (module.exports).
 *
 * The rules and the words are data (data/content/mood_summary.yml, copied with the PHQ-2
 * and GAD-2 into mood-checkins.json): `content` below is that file. Check-ins come from
 * the visitor's own storage, so anything unreadable in them is left out, never a crash.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module && module.exports) {
    module.exports = api;
  } else {
    root.LanternMood = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const DAY_MS = 24 * 60 * 60 * 1000;
  const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
  const SCREENER_MAX = 6; // two answers from 0 to 3

  // ---- calendar days, counted from 1970-01-01 (no time zones: dates are the visitor's own)

  // The day number of a "YYYY-MM-DD" that is a real date; null otherwise.
  function dayNumber(date) {
    const parts = typeof date === "string" ? DATE.exec(date) : null;
    if (!parts) { return null; }
    const year = Number(parts[1]), month = Number(parts[2]), day = Number(parts[3]);
    const time = Date.UTC(year, month - 1, day);
    const back = new Date(time);
    if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
      return null; // "2026-02-30" and the like
    }
    return Math.round(time / DAY_MS);
  }

  function dateOf(day) {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }

  // 0 is Sunday, as in Date.getDay.
  function weekdayOf(day) {
    return new Date(day * DAY_MS).getUTCDay();
  }

  function isWeekend(day) {
    const weekday = weekdayOf(day);
    return weekday === 0 || weekday === 6;
  }

  // The visitor's local date as "YYYY-MM-DD".
  function localDate(when) {
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate());
  }

  // ---- reading stored check-ins ---------------------------------------------------------

  function whole(value, lowest, highest) {
    return Number.isInteger(value) && value >= lowest && value <= highest ? value : null;
  }

  // The readable check-ins, oldest first: each needs a real date and a mood on the scale; a
  // questionnaire total out of range is dropped on its own (the mood still counts).
  function cleanCheckins(raw, content) {
    const scale = content.scale;
    const readable = [];
    (Array.isArray(raw) ? raw : []).forEach(function (checkin, order) {
      if (!checkin || typeof checkin !== "object") { return; }
      const day = dayNumber(checkin.date);
      const mood = whole(checkin.mood, scale.lowest, scale.highest);
      if (day === null || mood === null) { return; }
      readable.push({
        id: typeof checkin.id === "string" ? checkin.id : "",
        date: checkin.date,
        day: day,
        time: typeof checkin.time === "string" ? checkin.time : "",
        mood: mood,
        words: typeof checkin.words === "string" ? checkin.words : "",
        phq2: whole(checkin.phq2, 0, SCREENER_MAX),
        gad2: whole(checkin.gad2, 0, SCREENER_MAX),
        order: order,
      });
    });
    return readable.sort(function (a, b) {
      return a.day - b.day || (a.time < b.time ? -1 : a.time > b.time ? 1 : a.order - b.order);
    });
  }

  // One mood a day: the day's latest check-in, or the mean of its check-ins, as the data
  // says (day_value). Returns {day number: {mood, count}}.
  function dayMoods(checkins, content) {
    const byDay = {};
    checkins.forEach(function (checkin) {
      (byDay[checkin.day] = byDay[checkin.day] || []).push(checkin.mood);
    });
    const moods = {};
    Object.keys(byDay).forEach(function (day) {
      const list = byDay[day];
      moods[day] = {
        mood: content.day_value === "mean" ? round1(mean(list)) : list[list.length - 1],
        count: list.length,
      };
    });
    return moods;
  }

  function mean(numbers) {
    return numbers.reduce(function (sum, n) { return sum + n; }, 0) / numbers.length;
  }

  function round1(number) {
    return Math.round(number * 10) / 10;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole_, key) {
      return values[key] === undefined ? whole_ : String(values[key]);
    });
  }

  // "Monday" within the last week, otherwise "23 Nov".
  function dayName(day, today, words) {
    if (today - day < 7) { return words.weekdays[weekdayOf(day)]; }
    const date = new Date(day * DAY_MS);
    return date.getUTCDate() + " " + words.months[date.getUTCMonth()];
  }

  // The latest run of low days in a row among these days (sorted), or null if none is long
  // enough: {count, start, end} as day numbers.
  function latestLowRun(days, moods, rules) {
    let run = null, found = null;
    days.forEach(function (day) {
      if (moods[day].mood > rules.low_mood) { run = null; return; }
      run = run && run.end === day - 1 ? { count: run.count + 1, start: run.start, end: day }
        : { count: 1, start: day, end: day };
      if (run.count >= rules.low_run) { found = run; }
    });
    return found;
  }

  // Whether the latest check-in is recent enough for its run or its answers to offer help.
  function isRecent(day, today, rules) {
    return day <= today && today - day <= rules.offer_within_days;
  }

  function windowOf(windowDays, content) {
    const windows = content.windows;
    return windows.filter(function (w) { return w.days === windowDays; })[0] || windows[0];
  }

  // ---- the summary ----------------------------------------------------------------------

  /*
   * The check-ins of the window (14 or 90 days up to `options.today`) as the chart draws
   * them, the plain-words sentences ({rule, text}), and whether to offer help:
   *   {window, dates: [...], days: [{date, mood or null, count}], checkins: [...],
   *    sentences: [...], lowRun: {count, start, end, current} or null,
   *    offer: {reason: "low_run" or "screener", checkin: id} or null}
   */
  function summarise(raw, options, content) {
    const rules = content.rules, words = content.words;
    const today = dayNumber(options.today);
    if (today === null) { throw new TypeError("today must be a date as YYYY-MM-DD"); }
    const view = windowOf(options.windowDays, content);
    const first = today - view.days + 1;
    const all = cleanCheckins(raw, content);
    const moods = dayMoods(all, content);
    const inWindow = all.filter(function (c) { return c.day >= first && c.day <= today; });
    const windowDays = Object.keys(moods).map(Number)
      .filter(function (day) { return day >= first && day <= today; })
      .sort(function (a, b) { return a - b; });

    const dates = [], days = [];
    for (let day = first; day <= today; day += 1) {
      dates.push(dateOf(day));
      days.push({ date: dateOf(day), mood: moods[day] ? moods[day].mood : null, count: moods[day] ? moods[day].count : 0 });
    }

    const sentences = [];
    function say(rule, values) { sentences.push({ rule: rule, text: fill(words[rule], values || {}) }); }
    function averageOf(list) { return mean(list.map(function (day) { return moods[day].mood; })); }

    if (windowDays.length < rules.min_days) {
      say("too_few", { min_days: rules.min_days, days: windowDays.length });
    } else {
      say("average", { average: round1(averageOf(windowDays)), days: windowDays.length });
      const weekends = windowDays.filter(isWeekend);
      const weekdays = windowDays.filter(function (day) { return !isWeekend(day); });
      if (weekends.length >= rules.weekday_min_days && weekdays.length >= rules.weekday_min_days) {
        const gap = averageOf(weekdays) - averageOf(weekends);
        say(gap <= -rules.difference ? "weekdays_lower" : gap >= rules.difference ? "weekdays_higher" : "weekdays_same");
      }
      const recent = windowDays.filter(function (day) { return day > today - view.trend_days; });
      const before = windowDays.filter(function (day) {
        return day <= today - view.trend_days && day > today - 2 * view.trend_days;
      });
      if (recent.length >= rules.trend_min_days && before.length >= rules.trend_min_days) {
        const change = averageOf(recent) - averageOf(before);
        say(change >= rules.difference ? "trend_up" : change <= -rules.difference ? "trend_down" : "trend_same",
          { period: view.trend_period });
      }
    }

    // A low run counts whatever the number of days: it matters most when it is new.
    const latestDay = windowDays[windowDays.length - 1];
    const run = latestLowRun(windowDays, moods, rules);
    let lowRun = null;
    if (run) {
      lowRun = { count: run.count, start: dateOf(run.start), end: dateOf(run.end),
        current: run.end === latestDay && isRecent(latestDay, today, rules) };
      const values = { count: run.count, low_mood: rules.low_mood,
        start: dayName(run.start, today, words), end: dayName(run.end, today, words) };
      say(lowRun.current ? "low_run_now" : "low_run_past", values);
    }

    ["phq2", "gad2"].forEach(function (screener) {
      const answered = inWindow.filter(function (c) { return c[screener] !== null; });
      const latest = answered[answered.length - 1];
      if (latest && latest[screener] >= content.screeners.threshold) {
        say("screener_high", { name: content.screeners[screener].name, total: latest[screener],
          threshold: content.screeners.threshold });
      }
    });

    return {
      window: view,
      dates: dates,
      days: days,
      checkins: inWindow,
      sentences: sentences,
      lowRun: lowRun,
      offer: offerFor(all, moods, today, content),
    };
  }

  // Help is offered for the latest check-in (the page shows it once per check-in) when it is
  // recent and ends a run of low days, or its PHQ-2 or GAD-2 is at or above the cut-off.
  function offerFor(all, moods, today, content) {
    const past = all.filter(function (c) { return c.day <= today; }); // not a clock gone wrong
    const latest = past[past.length - 1];
    if (!latest || !isRecent(latest.day, today, content.rules)) { return null; }
    const days = Object.keys(moods).map(Number).filter(function (day) { return day <= latest.day; })
      .sort(function (a, b) { return a - b; });
    const run = latestLowRun(days, moods, content.rules);
    if (run && run.end === latest.day) { return { reason: "low_run", checkin: latest.id }; }
    const threshold = content.screeners.threshold;
    if (latest.phq2 >= threshold || latest.gad2 >= threshold) { // null counts as 0
      return { reason: "screener", checkin: latest.id };
    }
    return null;
  }

  return {
    summarise: summarise,
    cleanCheckins: cleanCheckins,
    dayNumber: dayNumber,
    dateOf: dateOf,
    localDate: localDate,
  };
});
