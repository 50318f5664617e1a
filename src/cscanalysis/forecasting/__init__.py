"""Forecasts for councils' time series, with rolling-origin backtests and calibrated intervals.

In the order the data flows: ``timeline`` (period columns as consecutive integers), ``series``
(the tidy table as a wide frame, each row cut to its last unbroken run), ``models`` (the
forecasting models), ``fitting`` (one model run, laid out as a forecast table), ``evaluation``
(backtests and accuracy), ``selection`` (a model chosen by backtest), ``calibration``
(intervals scaled on backtest errors) and ``forecast`` (:func:`~.forecast.forecast`,
:func:`~.forecast.auto_forecast` and :func:`~.forecast.nested_evaluation`, which chain them).
"""
