"""afn-widget in marimo: `marimo edit examples/marimo_app.py` (or `marimo run`)."""

import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo

    from afn_widget import AFNView

    return AFNView, mo


@app.cell
def _(mo):
    text = mo.ui.text_area(
        value="The scientists celebrated their remarkable discovery.",
        label="Text",
        full_width=True,
    )
    text
    return (text,)


@app.cell
def _(AFNView, mo, text):
    view = mo.ui.anywidget(AFNView(text.value))
    view
    return (view,)


@app.cell
def _(mo, view):
    # The widget's layer, quantile and granularity are reactive values in marimo.
    result = view.widget.wait().result
    mo.md(
        f"Layer **{view.value['layer']}** of {result.n_layers}: "
        f"{int((result.words.buckets == 'HIGH').sum())} words HIGH, "
        f"threshold {result.words.threshold:.3f}."
    )
    return (result,)


if __name__ == "__main__":
    app.run()
